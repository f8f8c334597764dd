/**
 * Gotify. URL as shoutrrr writes it: gotify://host[:port][/path]/<app token>[?disabletls=yes&priority=]. The token
 * travels in the X-Gotify-Key header, not the query string, so it stays out of proxy logs.
 */
import type { Notice } from "../notice";
import { plainText } from "../notice";
import {
  badUrl,
  baseUrl,
  type ChannelType,
  type ChannelValues,
  clip,
  jsonCall,
  param,
  query,
  segments,
  yes,
} from "./channel";

const PRIORITY = { info: 4, warning: 6, critical: 8, resolved: 4 } as const;

function payload(n: Notice, v: ChannelValues) {
  return {
    title: clip(n.title, 250),
    message: clip(plainText(n, { title: false }), 10_000),
    priority: v.priority ? Number(v.priority) : PRIORITY[n.severity],
    extras: { "client::display": { contentType: "text/plain" } },
  };
}

export const gotify = {
  id: "gotify",
  label: "Gotify",
  description: "A Gotify application on your server (Apps → create → token).",
  example: "gotify://gotify.example.com/AzyoeNS.D4iJLVa",
  schemes: ["gotify"],
  fields: [
    {
      key: "host",
      destination: true,
      label: "Server",
      required: true,
      placeholder: "gotify.example.com",
      hint: "host[:port], optionally with a path.",
    },
    { key: "token", label: "Application token", secret: true, required: true },
    { key: "scheme", label: "Protocol", choices: ["https", "http"], destination: true },
    { key: "priority", label: "Priority", placeholder: "0–10", hint: "Empty: by severity (4, 6 or 8)." },
  ],
  parse(url) {
    const path = segments(url);
    return {
      host: `${url.host}${path.length > 1 ? `/${path.slice(0, -1).join("/")}` : ""}`,
      token: path.at(-1) ?? "",
      scheme: yes(param(url, "disabletls")) ? "http" : "https",
      priority: param(url, "priority") ?? "",
    };
  },
  validate(v) {
    if (!/^[A-Za-z0-9._-]{5,100}$/.test(v.token ?? "")) throw badUrl("the Gotify application token looks wrong");
    if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/.test(v.host ?? ""))
      throw badUrl("the Gotify server: host[:port][/path]");
    if (v.priority && !/^(?:10|\d)$/.test(v.priority)) throw badUrl("priority: 0 to 10");
  },
  format: (v) =>
    `gotify://${v.host}/${v.token}${query({ disabletls: v.scheme === "http" ? "yes" : undefined, priority: v.priority })}`,
  payload,
  async send(n, v, ctx) {
    await ctx.http(
      jsonCall(`${baseUrl(v.host ?? "", v.scheme === "http")}/message`, payload(n, v), {
        "x-gotify-key": v.token ?? "",
      }),
    );
  },
} satisfies ChannelType;
