/**
 * A generic JSON webhook: POSTs every field of the notice and of the event behind it. URL: any http(s) URL no other
 * channel claims, or shoutrrr's generic://host/path (https; ?disabletls=yes for http) and generic+http(s)://.
 */
import type { Notice } from "../notice";
import { badUrl, basicAuth, type ChannelType, type ChannelValues, jsonCall, param, yes } from "./channel";

/** shoutrrr's own parameters, not part of the target URL. */
const SHOUTRRR_PARAMS = new Set(["disabletls", "template", "contenttype", "method", "title", "messagekey", "titlekey"]);

function payload(n: Notice, _v: ChannelValues) {
  return {
    event: n.event,
    event_id: n.eventId,
    event_name: n.eventName,
    category: n.category,
    severity: n.severity,
    recovery: n.recovery,
    title: n.title,
    message: n.message,
    subject: n.subject,
    value: n.value,
    threshold: n.threshold,
    operator: n.operator,
    unit: n.unit,
    facts: n.facts,
    timestamp: n.at.toISOString(),
    data: n.data,
  };
}

export const webhook = {
  id: "webhook",
  label: "Webhook (JSON)",
  description: "POSTs a JSON document with every field of the event to any URL (Home Assistant, n8n, your own).",
  example: "https://example.com/hooks/netronome",
  schemes: ["generic", "generic+http", "generic+https"],
  fields: [
    {
      key: "url",
      label: "URL",
      secret: "partial",
      required: true,
      placeholder: "https://example.com/hooks/netronome",
      hint: "Only the host is shown after saving; path and query may hold a token.",
    },
  ],
  parse(url) {
    if (url.protocol === "http:" || url.protocol === "https:") return { url: url.href };
    const scheme = url.protocol === "generic+http:" || yes(param(url, "disabletls")) ? "http" : "https";
    const target = new URL(`${scheme}://${url.host}${url.pathname}`);
    for (const [k, v] of url.searchParams) if (!SHOUTRRR_PARAMS.has(k.toLowerCase())) target.searchParams.append(k, v);
    if (url.username || url.password) target.username = url.username;
    if (url.password) target.password = url.password;
    return { url: target.href };
  },
  validate(v) {
    if (!URL.canParse(v.url ?? "")) throw badUrl("must be an http(s) URL");
    const u = new URL(v.url ?? "");
    if (!/^https?:$/.test(u.protocol) || !u.hostname) throw badUrl("must be an http(s) URL");
  },
  format: (v) => v.url ?? "",
  payload,
  async send(n, v, ctx) {
    const u = new URL(v.url ?? "");
    const headers: Record<string, string> = {};
    if (u.username || u.password) {
      headers.authorization = basicAuth(decodeURIComponent(u.username), decodeURIComponent(u.password));
      u.username = "";
      u.password = "";
    }
    await ctx.http(jsonCall(u.href, payload(n, v), headers));
  },
} satisfies ChannelType;
