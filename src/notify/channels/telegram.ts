/**
 * Telegram bots. URL as shoutrrr writes it: telegram://<bot token>@telegram?chats=@channel,123456789
 * (the older `channels=` is read too). Messages use Telegram's HTML parse mode.
 */
import { escapeHtml, type Notice } from "../notice";
import {
  badUrl,
  type ChannelType,
  type ChannelValues,
  clip,
  enc,
  list,
  param,
  passwordOf,
  query,
  serviceCall,
  userOf,
} from "./channel";

const TOKEN = /^\d{3,15}:[A-Za-z0-9_-]{20,100}$/;
const CHAT = /^(?:@[A-Za-z][A-Za-z0-9_]{3,64}|-?\d{1,20})$/;
const ICON = { info: "ℹ️", warning: "⚠️", critical: "🚨", resolved: "✅" } as const;

/** Telegram's limit, counted on the text as shown (markup and entities excluded). */
const MAX_TEXT = 4096;

/** Shortened before escaping: cutting the HTML would split a tag or an entity, and Telegram refuses the message. */
function text(n: Notice): string {
  const title = clip(n.title, 256);
  const facts: { label: string; value: string }[] = [];
  let factsLength = 0;
  for (const f of n.facts) {
    const fact = { label: clip(f.label, 100), value: clip(f.value, 300) };
    const length = fact.label.length + fact.value.length + 3;
    if (factsLength + length > MAX_TEXT / 2) break;
    facts.push(fact);
    factsLength += length;
  }
  const message = clip(n.message, MAX_TEXT - 8 - title.length - factsLength);
  const shown = facts.map((f) => `\n<b>${escapeHtml(f.label)}:</b> ${escapeHtml(f.value)}`).join("");
  return `${ICON[n.severity]} <b>${escapeHtml(title)}</b>\n${escapeHtml(message)}${shown}`;
}

/** One message per chat. */
function payload(n: Notice, v: ChannelValues) {
  return list(v.chats).map((chat) => ({
    chat_id: chat,
    text: text(n),
    parse_mode: "HTML",
    disable_web_page_preview: true,
    disable_notification: v.silent === "yes",
  }));
}

export const telegram = {
  id: "telegram",
  label: "Telegram",
  description: "A Telegram bot (from @BotFather) posting to chats, groups or channels it belongs to.",
  example: "telegram://123456789:AAE…@telegram?chats=@mychannel,-1001234567890",
  schemes: ["telegram"],
  fields: [
    {
      key: "token",
      label: "Bot token",
      secret: true,
      mask: (v, mask) => `${v.split(":")[0]}:${mask}`,
      required: true,
      placeholder: "123456789:AAE…",
    },
    {
      key: "chats",
      label: "Chats",
      required: true,
      placeholder: "@mychannel, -1001234567890",
      hint: "Comma-separated.",
    },
    { key: "silent", label: "Silent", choices: ["no", "yes"], hint: "Deliver without a sound." },
  ],
  parse(url) {
    const notification = param(url, "notification");
    return {
      token: `${userOf(url)}:${passwordOf(url)}`,
      chats: list(param(url, "chats", "channels")).join(","),
      silent: notification !== undefined && ["no", "false", "0"].includes(notification.toLowerCase()) ? "yes" : "no",
    };
  },
  validate(v) {
    if (!TOKEN.test(v.token ?? "")) throw badUrl("the bot token looks like 123456789:AAE…");
    const chats = list(v.chats);
    if (chats.length === 0) throw badUrl("chats: at least one chat (@channel or a numeric ID)");
    const bad = chats.find((c) => !CHAT.test(c));
    if (bad !== undefined) throw badUrl(`chats: "${bad}" is neither @name nor a numeric chat ID`);
  },
  format(v) {
    const [id, secret] = (v.token ?? ":").split(/:(.*)/s);
    return `telegram://${id}:${enc(secret ?? "")}@telegram${query({ chats: list(v.chats).join(","), notification: v.silent === "yes" ? "no" : undefined })}`;
  },
  payload,
  async send(n, v, ctx) {
    const origin = ctx.origin("https://api.telegram.org");
    for (const message of payload(n, v)) await ctx.http(serviceCall(`${origin}/bot${v.token}/sendMessage`, message));
  },
} satisfies ChannelType;
