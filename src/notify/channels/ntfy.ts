/**
 * ntfy. URL: ntfy://[user:password@]host[:port]/topic[?scheme=http&priority=] (host defaults to ntfy.sh; an empty
 * user with a password is an access token). Published as JSON so titles in any script survive (headers would not).
 */
import { type Notice, plainText } from "../notice";
import {
  badUrl,
  baseUrl,
  basicAuth,
  type ChannelType,
  type ChannelValues,
  clip,
  jsonCall,
  param,
  passwordOf,
  query,
  segments,
  userOf,
} from "./channel";

const PRIORITY = { info: 3, warning: 4, critical: 5, resolved: 3 } as const;
const TAGS = {
  info: "information_source",
  warning: "warning",
  critical: "rotating_light",
  resolved: "white_check_mark",
};

function payload(n: Notice, v: ChannelValues) {
  return {
    topic: v.topic,
    title: clip(n.title, 250),
    message: clip(plainText(n, { title: false }), 4000),
    priority: v.priority ? Number(v.priority) : PRIORITY[n.severity],
    tags: [TAGS[n.severity]],
  };
}

export const ntfy = {
  id: "ntfy",
  label: "ntfy",
  description: "An ntfy topic on ntfy.sh or your own server.",
  example: "ntfy://ntfy.sh/my-alerts",
  schemes: ["ntfy"],
  fields: [
    {
      key: "host",
      destination: true,
      label: "Server",
      required: true,
      placeholder: "ntfy.sh",
      hint: "host[:port], optionally with a path.",
    },
    { key: "topic", label: "Topic", secret: "partial", required: true, placeholder: "my-alerts" },
    { key: "username", label: "User name", hint: "Leave empty with an access token." },
    { key: "password", label: "Password or access token", secret: true },
    { key: "scheme", label: "Protocol", choices: ["https", "http"], destination: true },
    { key: "priority", label: "Priority", choices: ["", "1", "2", "3", "4", "5"], hint: "Empty: by severity." },
  ],
  parse(url) {
    const path = segments(url);
    return {
      host: `${url.host || "ntfy.sh"}${path.length > 1 ? `/${path.slice(0, -1).join("/")}` : ""}`,
      topic: path.at(-1) ?? "",
      username: userOf(url),
      password: passwordOf(url),
      scheme: param(url, "scheme") === "http" ? "http" : "https",
      priority: param(url, "priority") ?? "",
    };
  },
  validate(v) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(v.topic ?? ""))
      throw badUrl("the ntfy topic: letters, digits, _ and -, at most 64");
    if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/.test(v.host ?? ""))
      throw badUrl("the ntfy server: host[:port]");
    if (v.priority && !/^[1-5]$/.test(v.priority)) throw badUrl("priority: 1 to 5");
  },
  format(v) {
    const auth =
      v.username || v.password
        ? `${encodeURIComponent(v.username ?? "")}:${encodeURIComponent(v.password ?? "")}@`
        : "";
    return `ntfy://${auth}${v.host}/${v.topic}${query({ scheme: v.scheme === "http" ? "http" : undefined, priority: v.priority })}`;
  },
  payload,
  async send(n, v, ctx) {
    const headers: Record<string, string> = {};
    if (v.username) headers.authorization = basicAuth(v.username, v.password ?? "");
    else if (v.password) headers.authorization = `Bearer ${v.password}`;
    await ctx.http(jsonCall(`${baseUrl(v.host ?? "", v.scheme === "http")}/`, payload(n, v), headers));
  },
} satisfies ChannelType;
