/**
 * Slack, by incoming webhook or bot token. URLs as shoutrrr writes them: slack://hook:T…-B…-X…@webhook (webhook),
 * slack://xoxb:…@C0123456789 (bot API, channel ID), the older slack://[botname@]T…/B…/X…, or a plain
 * https://hooks.slack.com/services/T…/B…/X… URL.
 */
import { hexColor, type Notice } from "../notice";
import {
  badUrl,
  type ChannelType,
  type ChannelValues,
  clip,
  DeliveryError,
  enc,
  param,
  passwordOf,
  query,
  segments,
  serviceCall,
  userOf,
} from "./channel";

const WEBHOOK = /^[A-Z0-9]+\/[A-Z0-9]+\/[A-Za-z0-9]+$/;
const BOT = /^xox[bp]-[A-Za-z0-9-]+$/;

/** Slack's mrkdwn treats &, < and > as markup. */
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function payload(n: Notice, v: ChannelValues) {
  return {
    ...(BOT.test(v.token ?? "") ? { channel: v.channel } : {}),
    ...(v.botname ? { username: v.botname } : {}),
    text: esc(clip(n.title, 3000)),
    attachments: [
      {
        color: hexColor(n.severity),
        title: esc(clip(n.title, 3000)),
        text: esc(clip(n.message, 3000)),
        fields: n.facts.map((f) => ({ title: esc(clip(f.label, 300)), value: esc(clip(f.value, 2000)), short: true })),
        footer: `Netronome · ${n.eventName}`,
        ts: Math.floor(n.at.getTime() / 1000),
      },
    ],
  };
}

export const slack = {
  id: "slack",
  label: "Slack",
  description: "An incoming webhook (token T…/B…/X…) or a bot token (xoxb-…) with a channel ID.",
  example: "slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook",
  schemes: ["slack"],
  fields: [
    {
      key: "token",
      label: "Token",
      secret: true,
      required: true,
      placeholder: "T00000000/B00000000/XXXXXXXX or xoxb-…",
      hint: "From the webhook URL (after /services/), or a bot token.",
    },
    { key: "channel", label: "Channel ID", placeholder: "C0123456789", hint: "Bot tokens only." },
    { key: "botname", label: "Bot name", placeholder: "Netronome" },
  ],
  matches: (url) => url.hostname === "hooks.slack.com" && url.pathname.startsWith("/services/"),
  parse(url) {
    const botname = param(url, "botname", "username") ?? "";
    if (url.protocol === "https:" || url.protocol === "http:")
      return { token: segments(url).slice(1).join("/"), channel: "", botname };
    const user = userOf(url);
    if ((user === "hook" || user === "xoxb" || user === "xoxp") && url.password) {
      const secret = passwordOf(url);
      return user === "hook"
        ? { token: secret.replace(/-/g, "/"), channel: "", botname }
        : { token: `${user}-${secret}`, channel: decodeURIComponent(url.hostname), botname };
    }
    // The older slack://[botname@]tokenA/tokenB/tokenC.
    return { token: [url.hostname, ...segments(url)].join("/"), channel: "", botname: botname || user };
  },
  validate(v) {
    const token = v.token ?? "";
    if (BOT.test(token)) {
      if (!/^[A-Z0-9]{8,20}$/.test(v.channel ?? "")) throw badUrl("a bot token needs a channel ID such as C0123456789");
    } else if (!WEBHOOK.test(token))
      throw badUrl("the Slack token is neither a webhook token (T…/B…/X…) nor a bot token");
  },
  format(v) {
    const token = v.token ?? "";
    const extra = query({ botname: v.botname });
    if (BOT.test(token)) return `slack://${token.slice(0, 4)}:${enc(token.slice(5))}@${v.channel}${extra}`;
    return `slack://hook:${enc(token.replace(/\//g, "-"))}@webhook${extra}`;
  },
  payload,
  async send(n, v, ctx) {
    const token = v.token ?? "";
    if (!BOT.test(token)) {
      await ctx.http(serviceCall(`${ctx.origin("https://hooks.slack.com")}/services/${token}`, payload(n, v)));
      return;
    }
    const answer = (await ctx.http(
      serviceCall(`${ctx.origin("https://slack.com")}/api/chat.postMessage`, payload(n, v), {
        authorization: `Bearer ${token}`,
      }),
    )) as { ok?: boolean; error?: string };
    if (!answer?.ok) throw new DeliveryError(`Slack refused the message: ${answer?.error ?? "no answer"}`, false);
  },
} satisfies ChannelType;
