/**
 * Every channel type against a local receiver: the exact request each builds (path, headers, body) for one notice,
 * sent through the real delivery code with the service's public origin replaced by a loopback one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { silentLogger } from "../../src/core/log";
import { type DbHandle, openDatabase } from "../../src/db";
import { parseChannelUrl } from "../../src/notify/channels/index";
import { createDeliveries, type DeliveryTarget } from "../../src/notify/delivery";
import type { Notice } from "../../src/notify/notice";
import { createNotifyRepository } from "../../src/notify/notify.repository";
import { createSqliteDatabase, type TestDatabase } from "../helpers/db";
import { HttpReceiver } from "../servers/http-receiver";
import { SmtpSink, testCertificate, textPart } from "../servers/smtp-sink";

const AT = new Date("2026-12-03T10:15:00.000Z");

const notice: Notice = {
  event: "speedtest.download_low",
  eventId: 3,
  eventName: "Download low",
  category: "speedtest",
  severity: "warning",
  title: "Download low on lab <iperf3>: 150.2 Mbit/s",
  message: "Download on lab <iperf3> is 150.2 Mbit/s, below the threshold of 200 Mbit/s.",
  subject: "lab <iperf3>",
  facts: [
    { label: "Download", value: "150.2 Mbit/s" },
    { label: "Threshold", value: "below 200 Mbit/s" },
  ],
  value: 150.2,
  threshold: 200,
  operator: "lt",
  unit: "Mbps",
  recovery: false,
  at: AT,
  data: { id: 7, downloadMbps: 150.2 },
};

let database: TestDatabase;
let db: DbHandle;
const receiver = new HttpReceiver();

beforeAll(async () => {
  database = await createSqliteDatabase();
  db = await openDatabase(database.options);
  receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await db.close();
  await database.drop();
});

function deliveries() {
  const origins = Object.fromEntries(
    ["discord", "slack", "telegram", "pushover", "teams"].map((id) => [id, receiver.origin]),
  );
  return createDeliveries(createNotifyRepository(db), silentLogger, {
    timeoutMs: 2000,
    backoffMs: [10],
    maxQueue: 10,
    origins,
    smtpCa: testCertificate().cert,
  });
}

async function send(url: string, n: Notice = notice) {
  const { type, values } = parseChannelUrl(url);
  const target: DeliveryTarget = { channelId: null, channelName: "test", type, values };
  const before = receiver.requests.length;
  const outcome = await deliveries().sendNow(target, n);
  expect(outcome).toEqual({ ok: true, attempts: 1 });
  return receiver.requests.slice(before);
}

describe("channel payloads", () => {
  test("generic webhook: every field of the notice and the event", async () => {
    const [r] = await send(`${receiver.origin}/hooks/abc?key=1`);
    expect(r!.method).toBe("POST");
    expect(r!.path).toBe("/hooks/abc");
    expect(r!.query.get("key")).toBe("1");
    expect(r!.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(r!.body)).toEqual({
      event: "speedtest.download_low",
      event_id: 3,
      event_name: "Download low",
      category: "speedtest",
      severity: "warning",
      recovery: false,
      title: notice.title,
      message: notice.message,
      subject: "lab <iperf3>",
      value: 150.2,
      threshold: 200,
      operator: "lt",
      unit: "Mbps",
      facts: notice.facts,
      timestamp: "2026-12-03T10:15:00.000Z",
      data: { id: 7, downloadMbps: 150.2 },
    });
  });

  test("generic://host/path?disabletls=yes is the same webhook over http, with basic auth from the URL", async () => {
    const [r] = await send(`generic://user:p%40ss@${receiver.host}/in?disabletls=yes&x=2`);
    expect(r!.path).toBe("/in");
    expect([...r!.query]).toEqual([["x", "2"]]);
    expect(r!.headers.get("authorization")).toBe(`Basic ${btoa("user:p@ss")}`);
  });

  test("Discord: an embed, the mention on alerts, ?wait=true", async () => {
    const [r] = await send(
      "discord://tok_en-123456789@123456789012345678?mention=%26987654321098765432&username=Netronome",
    );
    expect(r!.path).toBe("/api/webhooks/123456789012345678/tok_en-123456789");
    expect(r!.query.get("wait")).toBe("true");
    expect(JSON.parse(r!.body)).toEqual({
      username: "Netronome",
      content: "<@&987654321098765432>",
      allowed_mentions: { roles: ["987654321098765432"] },
      embeds: [
        {
          title: notice.title,
          description: notice.message,
          color: 0xf59e0b,
          fields: [
            { name: "Download", value: "150.2 Mbit/s", inline: true },
            { name: "Threshold", value: "below 200 Mbit/s", inline: true },
          ],
          footer: { text: "Netronome · Download low" },
          timestamp: "2026-12-03T10:15:00.000Z",
        },
      ],
    });
  });

  test("Discord: a recovery pings nobody", async () => {
    const [r] = await send("discord://tok_en-123456789@123456789012345678?mention=42424242", {
      ...notice,
      recovery: true,
      severity: "resolved",
    });
    const body = JSON.parse(r!.body);
    expect(body.content).toBeUndefined();
    expect(body.embeds[0].color).toBe(0x22c55e);
  });

  test("Slack webhook: an attachment with escaped text", async () => {
    const [r] = await send("slack://hook:T0000AAAA-B0000BBBB-XXXXXXXXXXXXXXXXXXXXXXXX@webhook?botname=Netro");
    expect(r!.path).toBe("/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX");
    expect(JSON.parse(r!.body)).toEqual({
      username: "Netro",
      text: "Download low on lab &lt;iperf3&gt;: 150.2 Mbit/s",
      attachments: [
        {
          color: "#f59e0b",
          title: "Download low on lab &lt;iperf3&gt;: 150.2 Mbit/s",
          text: "Download on lab &lt;iperf3&gt; is 150.2 Mbit/s, below the threshold of 200 Mbit/s.",
          fields: [
            { title: "Download", value: "150.2 Mbit/s", short: true },
            { title: "Threshold", value: "below 200 Mbit/s", short: true },
          ],
          footer: "Netronome · Download low",
          ts: Math.floor(AT.getTime() / 1000),
        },
      ],
    });
  });

  test("Slack bot token: chat.postMessage with a bearer token and the channel; ok:false is a failure", async () => {
    const [r] = await send("slack://xoxb:1234-5678-abcdef@C0123456789");
    expect(r!.path).toBe("/api/chat.postMessage");
    expect(r!.headers.get("authorization")).toBe("Bearer xoxb-1234-5678-abcdef");
    expect(JSON.parse(r!.body).channel).toBe("C0123456789");
    receiver.respond = () => Response.json({ ok: false, error: "channel_not_found" });
    try {
      const { type, values } = parseChannelUrl("slack://xoxb:1234-5678-abcdef@C0123456789");
      const o = await deliveries().sendNow({ channelId: null, channelName: "s", type, values }, notice);
      expect(o).toEqual({ ok: false, attempts: 1, error: "Slack refused the message: channel_not_found" });
    } finally {
      receiver.respond = () => Response.json({ ok: true });
    }
  });

  test("Telegram: one HTML message per chat", async () => {
    const rs = await send(
      "telegram://123456789:AAEabcdefghijklmnopqrstuvwxyz123@telegram?chats=@alerts,-1001234567890",
    );
    expect(rs.map((r) => r.path)).toEqual([
      "/bot123456789:AAEabcdefghijklmnopqrstuvwxyz123/sendMessage",
      "/bot123456789:AAEabcdefghijklmnopqrstuvwxyz123/sendMessage",
    ]);
    expect(JSON.parse(rs[0]!.body)).toEqual({
      chat_id: "@alerts",
      text: "⚠️ <b>Download low on lab &#60;iperf3&#62;: 150.2 Mbit/s</b>\nDownload on lab &#60;iperf3&#62; is 150.2 Mbit/s, below the threshold of 200 Mbit/s.\n<b>Download:</b> 150.2 Mbit/s\n<b>Threshold:</b> below 200 Mbit/s",
      parse_mode: "HTML",
      disable_web_page_preview: true,
      disable_notification: false,
    });
    expect(JSON.parse(rs[1]!.body).chat_id).toBe("-1001234567890");
  });

  test("a public service's error text explains the failure; a self-hosted target's answer is never shown", async () => {
    const answer = `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`;
    receiver.respond = () => new Response(answer, { status: 400 });
    try {
      const fail = async (url: string) => {
        const { type, values } = parseChannelUrl(url);
        return deliveries().sendNow({ channelId: null, channelName: "test", type, values }, notice);
      };
      const telegram = await fail("telegram://123456789:AAEabcdefghijklmnopqrstuvwxyz123@telegram?chats=@alerts");
      expect(telegram.error).toContain("HTTP 400 Bad Request: {");
      expect(telegram.error).toContain("chat not found");
      const ntfy = await fail(`ntfy://${receiver.host}/alerts?scheme=http`);
      expect(ntfy.error).toBe(`${receiver.host}: HTTP 400 Bad Request`);
    } finally {
      receiver.respond = () => Response.json({ ok: true });
    }
  });

  test("Telegram: an over-long notice is shortened before escaping, so no tag or entity is cut in half", async () => {
    // Defect: the escaped HTML was cut at 4096 characters, through "&#60;" or "<b>", which Telegram refuses
    // ("can't parse entities"): the alert was lost.
    const long = {
      ...notice,
      message: "<&>".repeat(3000),
      facts: Array.from({ length: 30 }, () => ({ label: "Error", value: "<b>".repeat(500) })),
    };
    const [r] = await send("telegram://123456789:AAEabcdefghijklmnopqrstuvwxyz123@telegram?chats=@alerts", long);
    const { text } = JSON.parse(r!.body) as { text: string };
    expect(text.replace(/&#\d+;/g, "").includes("&")).toBe(false);
    expect(text.match(/<\/?b>/g)!.join("")).toMatch(/^(<b><\/b>)+$/);
    const visible = text.replace(/<\/?b>/g, "").replace(/&#\d+;/g, "x");
    expect(visible.length).toBeLessThanOrEqual(4096);
    expect(visible).toContain("…");
  });

  test("ntfy: JSON publish with title, priority and tags; basic auth", async () => {
    const [r] = await send(`ntfy://alice:s3cret@${receiver.host}/net-alerts?scheme=http`);
    expect(r!.path).toBe("/");
    expect(r!.headers.get("authorization")).toBe(`Basic ${btoa("alice:s3cret")}`);
    expect(JSON.parse(r!.body)).toEqual({
      topic: "net-alerts",
      title: notice.title,
      message: `${notice.message}\nDownload: 150.2 Mbit/s\nThreshold: below 200 Mbit/s`,
      priority: 4,
      tags: ["warning"],
    });
  });

  test("ntfy with an access token sends it as a bearer token", async () => {
    const [r] = await send(`ntfy://:tk_abcdef@${receiver.host}/net-alerts?scheme=http&priority=5`);
    expect(r!.headers.get("authorization")).toBe("Bearer tk_abcdef");
    expect(JSON.parse(r!.body).priority).toBe(5);
  });

  test("Gotify: /message with the token in X-Gotify-Key, not the URL", async () => {
    const [r] = await send(`gotify://${receiver.host}/sub/path/AzyoeNS.D4iJLVa?disabletls=yes`);
    expect(r!.path).toBe("/sub/path/message");
    expect([...r!.query]).toEqual([]);
    expect(r!.headers.get("x-gotify-key")).toBe("AzyoeNS.D4iJLVa");
    expect(JSON.parse(r!.body)).toEqual({
      title: notice.title,
      message: `${notice.message}\nDownload: 150.2 Mbit/s\nThreshold: below 200 Mbit/s`,
      priority: 6,
      extras: { "client::display": { contentType: "text/plain" } },
    });
  });

  test("Pushover: form-encoded message with token, user and devices", async () => {
    const token = "a".repeat(30);
    const user = "u".repeat(30);
    const [r] = await send(`pushover://shoutrrr:${token}@${user}/?devices=phone,tablet`);
    expect(r!.path).toBe("/1/messages.json");
    expect(r!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({
      token,
      user,
      title: notice.title,
      message: `${notice.message}\nDownload: 150.2 Mbit/s\nThreshold: below 200 Mbit/s`,
      priority: "0",
      timestamp: String(Math.floor(AT.getTime() / 1000)),
      device: "phone,tablet",
    });
  });

  test("Teams workflow: an Adaptive Card to the workflow's path and signed query", async () => {
    const [r] = await send(
      "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SIGNATURE",
    );
    expect(r!.path).toBe("/workflows/abc/triggers/manual/paths/invoke");
    expect(r!.query.get("sig")).toBe("SIGNATURE");
    const body = JSON.parse(r!.body);
    expect(body.type).toBe("message");
    expect(body.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.attachments[0].content.body).toEqual([
      { type: "TextBlock", text: notice.title, weight: "Bolder", size: "Medium", color: "Warning", wrap: true },
      { type: "TextBlock", text: notice.message, wrap: true },
      {
        type: "FactSet",
        facts: [
          { title: "Download", value: "150.2 Mbit/s" },
          { title: "Threshold", value: "below 200 Mbit/s" },
        ],
      },
      {
        type: "TextBlock",
        text: "Netronome · Download low · 2026-12-03T10:15:00.000Z",
        size: "Small",
        isSubtle: true,
        wrap: true,
      },
    ]);
  });

  test("Matrix: password login once, alias resolved, m.notice with HTML", async () => {
    receiver.respond = (r) => {
      if (r.path === "/_matrix/client/v3/login") return Response.json({ access_token: "syt_token" });
      if (r.path.startsWith("/_matrix/client/v3/directory/room/"))
        return Response.json({ room_id: "!resolved:example.org" });
      return Response.json({ event_id: "$e" });
    };
    try {
      const url = `matrix://bot:pw@${receiver.host}/?rooms=!abc:example.org,%23alerts:example.org&disableTLS=yes`;
      const rs = await send(url);
      expect(rs.map((r) => `${r.method} ${decodeURIComponent(r.path).replace(/\/netronome-.*$/, "/…")}`)).toEqual([
        "POST /_matrix/client/v3/login",
        "PUT /_matrix/client/v3/rooms/!abc:example.org/send/m.room.message/…",
        "GET /_matrix/client/v3/directory/room/#alerts:example.org",
        "PUT /_matrix/client/v3/rooms/!resolved:example.org/send/m.room.message/…",
      ]);
      expect(JSON.parse(rs[0]!.body)).toEqual({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: "bot" },
        password: "pw",
        initial_device_display_name: "Netronome",
      });
      expect(rs[1]!.headers.get("authorization")).toBe("Bearer syt_token");
      expect(JSON.parse(rs[1]!.body)).toEqual({
        msgtype: "m.notice",
        body: `${notice.title}\n${notice.message}\nDownload: 150.2 Mbit/s\nThreshold: below 200 Mbit/s`,
        format: "org.matrix.custom.html",
        formatted_body:
          "<b>Download low on lab &#60;iperf3&#62;: 150.2 Mbit/s</b><br>Download on lab &#60;iperf3&#62; is 150.2 Mbit/s, below the threshold of 200 Mbit/s.<br><b>Download:</b> 150.2 Mbit/s<br><b>Threshold:</b> below 200 Mbit/s",
      });
      // The login's token is reused: a second notice through the same deliveries does not log in again.
      const { type, values } = parseChannelUrl(url);
      const shared = deliveries();
      const target = { channelId: null, channelName: "m", type, values };
      const before = receiver.requests.length;
      await shared.sendNow(target, notice);
      await shared.sendNow(target, notice);
      const logins = receiver.requests.slice(before).filter((r) => r.path.endsWith("/login"));
      expect(logins.length).toBe(1);
    } finally {
      receiver.respond = () => Response.json({ ok: true });
    }
  });
});

describe("email over SMTP (a real SMTP server in the test)", () => {
  const account = { user: "mailer", password: "pä ss" };
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await new SmtpSink({ starttls: true, account }).start();
  });
  afterAll(() => sink.stop());

  test("STARTTLS, AUTH PLAIN, the message with both parts and an encoded subject", async () => {
    const url = `smtp://mailer:${encodeURIComponent(account.password)}@127.0.0.1:${sink.port}/?from=netronome@example.org&to=a@example.org,b@example.org&subject=%5BLab%5D`;
    const { type, values } = parseChannelUrl(url);
    const o = await deliveries().sendNow({ channelId: null, channelName: "mail", type, values }, notice);
    expect(o).toEqual({ ok: true, attempts: 1 });
    const m = sink.messages.at(-1)!;
    expect(m).toMatchObject({
      from: "netronome@example.org",
      to: ["a@example.org", "b@example.org"],
      user: "mailer",
      secure: true,
    });
    expect(sink.commands.indexOf("STARTTLS")).toBeLessThan(sink.commands.findIndex((c) => c.startsWith("AUTH")));
    expect(m.data).toContain("Subject: [Lab] Download low on lab <iperf3>: 150.2 Mbit/s");
    expect(m.data).toContain("From: Netronome <netronome@example.org>");
    expect(textPart(m.data)).toBe(
      `${notice.title}\n${notice.message}\nDownload: 150.2 Mbit/s\nThreshold: below 200 Mbit/s`,
    );
  });

  test("a sender name with commas, quotes or angle brackets stays one display name", async () => {
    // Defect: the name went into From: bare, so "Ops, NOC" made two addresses (a header servers reject) and
    // "Bank <ceo@bank.example>" showed another address.
    const names: [string, string][] = [
      ["Ops, NOC", '"Ops, NOC"'],
      ['Say "hi" \\ bye', '"Say \\"hi\\" \\\\ bye"'],
      ["Bank <ceo@bank.example>", '"Bank <ceo@bank.example>"'],
      ["Plain Name", "Plain Name"],
    ];
    for (const [name, shown] of names) {
      const { type, values } = parseChannelUrl(
        `smtp://mailer:${encodeURIComponent(account.password)}@127.0.0.1:${sink.port}/?from=n@example.org&to=a@example.org&fromname=${encodeURIComponent(name)}`,
      );
      expect((await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, notice)).ok).toBe(true);
      expect(sink.messages.at(-1)!.data.split("\r\n")).toContain(`From: ${shown} <n@example.org>`);
    }
  });

  test("a server that never stops talking is cut off at once, not read into memory", async () => {
    // Defect: lines of a multi-line reply ("220-…") and replies sent ahead were kept without limit until the
    // deadline: a hostile server grew the hub to 1.7 GB in the 10 s of one test.
    const line = Buffer.from(`220-${"x".repeat(200)}\r\n`);
    const flood = Buffer.concat(Array.from({ length: 256 }, () => line));
    const ahead = Buffer.from("220 hello\r\n".repeat(5000));
    for (const chunk of [flood, ahead]) {
      const server = net.createServer((socket) => {
        socket.on("error", () => undefined);
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk));
        };
        socket.on("drain", pump);
        pump();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const { type, values } = parseChannelUrl(
          `smtp://127.0.0.1:${port}/?from=n@example.org&to=a@example.org&encryption=none`,
        );
        const started = Date.now();
        const o = await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, notice);
        expect(o.ok).toBe(false);
        expect(o.error).toMatch(/the server sent too much|EHLO: 220 hello/);
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        server.close();
      }
    }
  });

  test("a line starting with a dot survives (dot-stuffing), a non-ASCII subject is encoded", async () => {
    const { type, values } = parseChannelUrl(
      `smtp://mailer:${encodeURIComponent(account.password)}@127.0.0.1:${sink.port}/?from=n@example.org&to=a@example.org`,
    );
    const n = { ...notice, title: "Überlast ✓", message: ".\n.hidden line" };
    expect((await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, n)).ok).toBe(true);
    const m = sink.messages.at(-1)!;
    expect(m.data).toContain(`Subject: =?UTF-8?B?${Buffer.from("[Netronome] Überlast ✓").toString("base64")}?=`);
    expect(textPart(m.data)).toStartWith("Überlast ✓\n.\n.hidden line");
  });

  test("a wrong password is a permanent failure, reported without the password", async () => {
    const { type, values } = parseChannelUrl(
      `smtp://mailer:wrong-password@127.0.0.1:${sink.port}/?from=n@example.org&to=a@example.org`,
    );
    const o = await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, notice);
    expect(o.ok).toBe(false);
    expect(o.error).toContain("535");
    expect(o.error).not.toContain("wrong-password");
  });

  test("a server without STARTTLS never receives the password (unless encryption=none)", async () => {
    const plain = await new SmtpSink({ starttls: false, account }).start();
    try {
      const url = `smtp://mailer:${encodeURIComponent(account.password)}@127.0.0.1:${plain.port}/?from=n@example.org&to=a@example.org`;
      const { type, values } = parseChannelUrl(url);
      const o = await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, notice);
      expect(o.ok).toBe(false);
      expect(o.error).toContain("unencrypted");
      expect(plain.commands.some((c) => c.startsWith("AUTH"))).toBe(false);
      const explicit = parseChannelUrl(`${url}&encryption=none`);
      const o2 = await deliveries().sendNow({ channelId: null, channelName: "m", ...explicit }, notice);
      expect(o2).toEqual({ ok: true, attempts: 1 });
      expect(plain.messages.at(-1)!.secure).toBe(false);
    } finally {
      await plain.stop();
    }
  });

  test("AUTH LOGIN when the server offers only LOGIN", async () => {
    const sinkLogin = await new SmtpSink({ starttls: true, account, mechanisms: ["LOGIN"] }).start();
    try {
      const url = `smtp://mailer:${encodeURIComponent(account.password)}@127.0.0.1:${sinkLogin.port}/?from=n@example.org&to=a@example.org&encryption=explicittls`;
      const { type, values } = parseChannelUrl(url);
      expect((await deliveries().sendNow({ channelId: null, channelName: "m", type, values }, notice)).ok).toBe(true);
      expect(sinkLogin.commands.filter((c) => c.startsWith("AUTH"))).toEqual(["AUTH LOGIN"]);
      expect(sinkLogin.messages.at(-1)!.user).toBe("mailer");
    } finally {
      await sinkLogin.stop();
    }
  });
});
