/**
 * Discord webhooks with embeds. URL: discord://token@webhookId[?thread_id=&username=&mention=]; a plain
 * https://discord.com/api/webhooks/{id}/{token} URL is converted as the original does. `mention` (a user ID, or
 * "&" and a role ID, like [notifications] discord_mention_id) is pinged on alerts, never on recoveries.
 */
import { type Notice, SEVERITY_COLOR } from "../notice";
import { badUrl, type ChannelType, type ChannelValues, clip, enc, param, query, serviceCall, userOf } from "./channel";

const HOSTS = /^(?:(?:canary|ptb)\.)?discord(?:app)?\.com$/;
const MENTION = /^&?\d{5,25}$/;

function mentionOf(notice: Notice, values: ChannelValues) {
  const id = notice.mention ?? values.mention ?? "";
  if (!id || notice.recovery || notice.severity === "info") return {};
  const role = id.startsWith("&");
  const bare = role ? id.slice(1) : id;
  return {
    content: role ? `<@&${bare}>` : `<@${bare}>`,
    allowed_mentions: role ? { roles: [bare] } : { users: [bare] },
  };
}

export const discord = {
  id: "discord",
  label: "Discord",
  description: "A Discord channel webhook (Server settings → Integrations → Webhooks).",
  example: "discord://token@webhookid",
  schemes: ["discord"],
  fields: [
    { key: "webhookId", label: "Webhook ID", required: true, placeholder: "123456789012345678" },
    { key: "token", label: "Webhook token", secret: true, required: true },
    { key: "mention", label: "Mention on alerts", placeholder: "user ID, or &role ID", hint: "Optional." },
    { key: "username", label: "Bot name", placeholder: "Netronome" },
    { key: "threadId", label: "Thread ID", hint: "Optional: post into a thread of a forum channel." },
  ],
  matches: (url) => HOSTS.test(url.hostname) && /^\/api\/webhooks\/\d+\/[^/]+\/?$/.test(url.pathname),
  parse(url) {
    if (url.protocol === "https:" || url.protocol === "http:") {
      const [, , , id, token] = url.pathname.split("/");
      return { webhookId: id ?? "", token: decodeURIComponent(token ?? ""), mention: "", username: "", threadId: "" };
    }
    return {
      webhookId: url.hostname,
      token: userOf(url),
      mention: param(url, "mention") ?? "",
      username: param(url, "username") ?? "",
      threadId: param(url, "thread_id", "threadid") ?? "",
    };
  },
  validate(v) {
    if (!/^\d{5,25}$/.test(v.webhookId ?? "")) throw badUrl("the Discord webhook ID is a number");
    if (!/^[A-Za-z0-9_-]{10,200}$/.test(v.token ?? "")) throw badUrl("the Discord webhook token looks wrong");
    if (v.mention && !MENTION.test(v.mention)) throw badUrl('mention: a user ID, or "&" and a role ID');
    if (v.threadId && !/^\d{5,25}$/.test(v.threadId)) throw badUrl("thread_id: a number");
  },
  format: (v) =>
    `discord://${enc(v.token ?? "")}@${v.webhookId}${query({ mention: v.mention, username: v.username, thread_id: v.threadId })}`,
  payload,
  async send(n, v, ctx) {
    const origin = ctx.origin("https://discord.com");
    const q = query({ wait: "true", thread_id: v.threadId });
    await ctx.http(serviceCall(`${origin}/api/webhooks/${v.webhookId}/${enc(v.token ?? "")}${q}`, payload(n, v)));
  },
} satisfies ChannelType;

function payload(n: Notice, v: ChannelValues) {
  return {
    ...(v.username ? { username: v.username } : {}),
    ...mentionOf(n, v),
    embeds: [
      {
        title: clip(n.title, 256),
        description: clip(n.message, 4096),
        color: SEVERITY_COLOR[n.severity],
        fields: n.facts
          .slice(0, 25)
          .map((f) => ({ name: clip(f.label, 256), value: clip(f.value, 1024), inline: true })),
        footer: { text: `Netronome · ${n.eventName}` },
        timestamp: n.at.toISOString(),
      },
    ],
  };
}
