/** Channel URLs: shoutrrr's formats and services' own webhook URLs read into fields, secrets masked and kept. */
import { describe, expect, test } from "bun:test";
import { BadInput } from "../../src/core/errors";
import { CHANNEL_TYPES, MASK, maskedUrl, parseChannelUrl, scrub, secretsOf } from "../../src/notify/channels/index";

const parse = (url: string) => {
  const { type, values } = parseChannelUrl(url);
  return { type: type.id, values };
};

describe("shoutrrr-style URLs", () => {
  test.each([
    [
      "discord://tokenABCDEFGH@123456789012345678",
      "discord",
      { webhookId: "123456789012345678", token: "tokenABCDEFGH" },
    ],
    [
      "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-JKL",
      "discord",
      { webhookId: "123456789012345678", token: "abcDEF_ghi-JKL" },
    ],
    [
      "https://discordapp.com/api/webhooks/123456789012345678/abcDEF_ghi-JKL",
      "discord",
      { webhookId: "123456789012345678" },
    ],
    [
      "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook",
      "slack",
      { token: "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX" },
    ],
    [
      "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
      "slack",
      { token: "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX" },
    ],
    ["slack://Bot@T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "slack", { botname: "Bot" }],
    [
      "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
      "slack",
      { token: "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX" },
    ],
    ["slack://xoxb:123-456-abc@C0123456789", "slack", { token: "xoxb-123-456-abc", channel: "C0123456789" }],
    [
      "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@mychannel,-1001",
      "telegram",
      { token: "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", chats: "@mychannel,-1001", silent: "no" },
    ],
    [
      "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?channels=@oldchannel&notification=no",
      "telegram",
      { chats: "@oldchannel", silent: "yes" },
    ],
    ["ntfy://ntfy.sh/my-topic", "ntfy", { host: "ntfy.sh", topic: "my-topic", scheme: "https" }],
    [
      "ntfy://u:p@ntfy.example.org:8080/alerts?scheme=http",
      "ntfy",
      { host: "ntfy.example.org:8080", username: "u", password: "p", scheme: "http" },
    ],
    [
      "gotify://gotify.example.com:443/AzyoeNS.D4iJLVa/?priority=1",
      "gotify",
      { host: "gotify.example.com:443", token: "AzyoeNS.D4iJLVa", priority: "1" },
    ],
    [
      "gotify://example.com/path/to/gotify/AzyoeNS.D4iJLVa",
      "gotify",
      { host: "example.com/path/to/gotify", token: "AzyoeNS.D4iJLVa" },
    ],
    [
      `pushover://shoutrrr:${"a".repeat(30)}@${"b".repeat(30)}/?devices=d1,d2`,
      "pushover",
      { token: "a".repeat(30), user: "b".repeat(30), devices: "d1,d2" },
    ],
    [
      "teams://group@tenant/altId/groupOwner?host=org.webhook.office.com",
      "teams",
      { url: "https://org.webhook.office.com/webhookb2/group@tenant/IncomingWebhook/altId/groupOwner" },
    ],
    [
      "matrix://bot:pw@matrix.example.org/?rooms=!abc:example.org,alerts:example.org",
      "matrix",
      { rooms: "!abc:example.org,#alerts:example.org", user: "bot" },
    ],
    [
      "matrix://:syt_token@matrix.example.org/?rooms=!abc:example.org&disableTLS=yes",
      "matrix",
      { user: "", password: "syt_token", scheme: "http" },
    ],
    [
      "smtp://user:pa%24s@smtp.example.org:587/?from=a@example.org&to=b@example.org,c@example.org&encryption=ExplicitTLS",
      "email",
      {
        host: "smtp.example.org",
        port: "587",
        username: "user",
        password: "pa$s",
        to: "b@example.org,c@example.org",
        security: "starttls",
      },
    ],
    [
      "smtp://smtp.example.org:465/?from=a@example.org&to=b@example.org&encryption=ImplicitTLS",
      "email",
      { security: "tls", username: "" },
    ],
    ["generic://example.com/hook?disabletls=yes&token=x", "webhook", { url: "http://example.com/hook?token=x" }],
    ["generic+https://example.com/hook", "webhook", { url: "https://example.com/hook" }],
    ["https://ha.local:8123/api/webhook/abc", "webhook", { url: "https://ha.local:8123/api/webhook/abc" }],
  ])("%s", (url, type, fields) => {
    const parsed = parse(url);
    expect(parsed.type).toBe(type);
    expect(parsed.values).toMatchObject(fields);
  });

  test("the canonical URL reads back to the same fields, for every type", () => {
    for (const url of [
      "discord://tokenABCDEFGH@123456789012345678?mention=%26123456",
      "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook",
      "slack://xoxb:123-456-abc@C0123456789",
      "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@mychannel",
      "ntfy://u:p%40ss@ntfy.example.org/alerts?scheme=http",
      "gotify://example.com/sub/AzyoeNS.D4iJLVa?disabletls=yes",
      `pushover://shoutrrr:${"a".repeat(30)}@${"b".repeat(30)}/`,
      "https://prod-01.westeurope.logic.azure.com/workflows/x/invoke?sig=abc",
      "matrix://bot:p%2Fw@matrix.example.org/?rooms=!abc:example.org",
      "smtp://u:p%3Aw@smtp.example.org:2525/?from=a@example.org&to=b@example.org&encryption=none",
      "https://example.com/hook?x=1",
    ]) {
      const { type, values } = parseChannelUrl(url);
      expect(parseChannelUrl(type.format(values)).values).toEqual(values);
    }
  });

  test.each([
    ["", "url: required"],
    ["not a url", "url: not a URL"],
    ["ftp://example.com/x", 'url: unknown scheme "ftp://"'],
    ["discord://short@123456789012345678", "url: the Discord webhook token looks wrong"],
    ["discord://tokenABCDEFGH@notanumber", "url: the Discord webhook ID is a number"],
    ["telegram://123:abc@telegram?chats=@mychannel", "url: the bot token"],
    ["telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram", "chats"],
    ["smtp://smtp.example.org:25/?to=b@example.org", "from"],
    ["smtp://smtp.example.org:25/?from=a@example.org&to=x", 'to: "x" is not an email address'],
    ["matrix://bot:pw@matrix.example.org/", "rooms"],
    ["ntfy://ntfy.sh/", "topic"],
    [`https://example.com/${"x".repeat(3000)}`, "at most 2048"],
  ])("%s is refused: %s", (url, message) => {
    expect(() => parseChannelUrl(url)).toThrow(BadInput);
    expect(() => parseChannelUrl(url)).toThrow(message);
  });
});

describe("secrets", () => {
  const samples = [
    ["discord://tokenABCDEFGH@123456789012345678", ["tokenABCDEFGH"]],
    [
      "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@c1234",
      ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"],
    ],
    ["slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook", ["XXXXXXXXXXXXXXXXXXXXXXXX"]],
    ["ntfy://u:hunter22@ntfy.sh/private-topic", ["hunter22", "private-topic"]],
    ["gotify://example.com/AzyoeNS.D4iJLVa", ["AzyoeNS.D4iJLVa"]],
    [`pushover://shoutrrr:${"a".repeat(30)}@${"b".repeat(30)}/`, ["a".repeat(30), "b".repeat(30)]],
    ["https://prod-01.westeurope.logic.azure.com/workflows/x/invoke?sig=SIGNATURE123", ["SIGNATURE123"]],
    ["matrix://bot:hunter22@m.example.org/?rooms=!a:m.example.org", ["hunter22"]],
    ["smtp://u:hunter22@smtp.example.org:587/?from=a@example.org&to=b@example.org", ["hunter22"]],
    ["https://ha.local/api/webhook/SECRETHOOKID", ["SECRETHOOKID"]],
  ] as const;

  test.each(samples)("%s is shown without its secrets", (url, secrets) => {
    const { type, values } = parseChannelUrl(url);
    const masked = maskedUrl(type, values);
    for (const s of secrets) expect(masked).not.toContain(s);
    expect(decodeURIComponent(masked)).toContain(MASK);
  });

  test.each(samples)("%s: the masked URL given back keeps the stored secrets", (url) => {
    const stored = parseChannelUrl(url);
    const again = parseChannelUrl(maskedUrl(stored.type, stored.values), {
      typeId: stored.type.id,
      values: stored.values,
    });
    expect(again.values).toEqual(stored.values);
  });

  test("a masked URL for a new channel is refused rather than saved with a mask for a token", () => {
    const stored = parseChannelUrl("discord://tokenABCDEFGH@123456789012345678");
    expect(() => parseChannelUrl(maskedUrl(stored.type, stored.values))).toThrow("token looks wrong");
  });

  test("scrub removes secrets in plain, URL-encoded and base64 form from error text", () => {
    const { type, values } = parseChannelUrl("ntfy://al ice:p%40ss w0rd@ntfy.sh/topic-x");
    const s = secretsOf(type, values);
    const text = `failed https://ntfy.sh/topic-x with p%40ss%20w0rd and ${Buffer.from("p@ss w0rd").toString("base64")} and p@ss w0rd`;
    const clean = scrub(text, s);
    expect(clean).not.toContain("w0rd");
    expect(clean).not.toContain("topic-x");
    expect(clean).not.toContain(Buffer.from("p@ss w0rd").toString("base64"));
  });
});

test("the registry: unique IDs and schemes, every field labelled, every type has an example that parses", () => {
  const ids = CHANNEL_TYPES.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
  const schemes = CHANNEL_TYPES.flatMap((c) => c.schemes);
  expect(new Set(schemes).size).toBe(schemes.length);
  for (const c of CHANNEL_TYPES) for (const f of c.fields) expect(f.label.length).toBeGreaterThan(0);
});
