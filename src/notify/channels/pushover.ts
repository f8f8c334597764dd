/**
 * Pushover. URL as shoutrrr writes it: pushover://shoutrrr:<API token>@<user key>/?devices=phone,tablet&priority=
 */
import { type Notice, plainText } from "../notice";
import { badUrl, type ChannelType, type ChannelValues, clip, list, param, passwordOf, query } from "./channel";

const PRIORITY = { info: -1, warning: 0, critical: 1, resolved: 0 } as const;
const KEY = /^[A-Za-z0-9]{30}$/;

function payload(n: Notice, v: ChannelValues): Record<string, string> {
  return {
    token: v.token ?? "",
    user: v.user ?? "",
    title: clip(n.title, 250),
    message: clip(plainText(n, { title: false }), 1024),
    priority: v.priority || String(PRIORITY[n.severity]),
    timestamp: String(Math.floor(n.at.getTime() / 1000)),
    ...(v.devices ? { device: list(v.devices).join(",") } : {}),
  };
}

export const pushover = {
  id: "pushover",
  label: "Pushover",
  description: "Pushover: your user key and an application's API token.",
  example: "pushover://shoutrrr:apitoken@userkey/?devices=phone",
  schemes: ["pushover"],
  fields: [
    { key: "token", label: "API token", secret: true, required: true },
    { key: "user", label: "User or group key", secret: true, required: true },
    { key: "devices", label: "Devices", placeholder: "phone, tablet", hint: "Empty: all devices." },
    { key: "priority", label: "Priority", choices: ["", "-2", "-1", "0", "1"], hint: "Empty: by severity." },
  ],
  parse: (url) => ({
    token: passwordOf(url),
    user: decodeURIComponent(url.hostname),
    devices: list(param(url, "devices")).join(","),
    priority: param(url, "priority") ?? "",
  }),
  validate(v) {
    if (!KEY.test(v.token ?? "")) throw badUrl("the Pushover API token is 30 letters and digits");
    if (!KEY.test(v.user ?? "")) throw badUrl("the Pushover user key is 30 letters and digits");
    if (v.priority && !/^(?:-2|-1|0|1)$/.test(v.priority)) throw badUrl("priority: -2 to 1");
    if (list(v.devices).some((d) => !/^[A-Za-z0-9_-]{1,25}$/.test(d)))
      throw badUrl("devices: names of letters, digits, _ and -");
  },
  format: (v) =>
    `pushover://shoutrrr:${v.token}@${v.user}/${query({ devices: list(v.devices).join(","), priority: v.priority })}`,
  payload,
  async send(n, v, ctx) {
    await ctx.http({
      method: "POST",
      url: `${ctx.origin("https://api.pushover.net")}/1/messages.json`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(payload(n, v)).toString(),
      publicService: true,
    });
  },
} satisfies ChannelType;
