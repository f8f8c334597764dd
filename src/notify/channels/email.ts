/**
 * Email over SMTP. URL as shoutrrr writes it: smtp://user:password@host:port/?from=a@example.org&to=b@example.org,
 * c@example.org[&fromname=&subject=&encryption=auto|explicittls|implicittls|none]. "auto" is TLS from the start on
 * port 465 and STARTTLS wherever the server offers it; credentials are never sent over an unencrypted connection
 * unless encryption is explicitly "none".
 */
import { htmlText, type Notice, plainText } from "../notice";
import {
  badUrl,
  type ChannelType,
  type ChannelValues,
  clip,
  list,
  type MailMessage,
  param,
  passwordOf,
  query,
  userOf,
} from "./channel";

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const SECURITY = { auto: "auto", explicittls: "starttls", implicittls: "tls", none: "none" } as const;
const SECURITY_PARAM = { auto: "auto", starttls: "explicittls", tls: "implicittls", none: "none" } as const;
type Security = MailMessage["security"];

/** An RFC 2047 encoded word when the text is not plain ASCII. */
function headerText(s: string): string {
  const clean = s.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, "utf8").toString("base64")}?=`;
}

/** A display name: bare when it is plain words, quoted when it holds specials (",", "<", quotes…), encoded when not ASCII. */
function displayName(s: string): string {
  const clean = s.replace(/[\r\n]+/g, " ");
  if (!/^[\x20-\x7e]*$/.test(clean)) return headerText(clean);
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(clean) ? clean : `"${clean.replace(/["\\]/g, "\\$&")}"`;
}

function base64Lines(s: string): string {
  return (
    Buffer.from(s, "utf8")
      .toString("base64")
      .match(/.{1,76}/g) ?? []
  ).join("\r\n");
}

function subjectOf(n: Notice, v: ChannelValues): string {
  return clip(`${v.subject ? `${v.subject} ` : "[Netronome] "}${n.title}`, 200);
}

/** What the mail says: envelope and content, before MIME encoding. */
function payload(n: Notice, v: ChannelValues) {
  return {
    from: v.from ?? "",
    fromName: v.fromName || "Netronome",
    to: list(v.to),
    subject: subjectOf(n, v),
    text: plainText(n),
    html: `<!doctype html><html><body style="font-family:sans-serif">${htmlText(n)}</body></html>`,
  };
}

/** The message as it goes over the wire: headers, and a text and an HTML alternative, both base64. */
export function mimeMessage(n: Notice, v: ChannelValues): string {
  const p = payload(n, v);
  const boundary = `netronome-${n.at.getTime().toString(36)}-${crypto.randomUUID()}`;
  const domain = p.from.split("@")[1] ?? "localhost";
  return [
    `From: ${displayName(p.fromName)} <${p.from}>`,
    `To: ${p.to.join(", ")}`,
    `Subject: ${headerText(p.subject)}`,
    `Date: ${n.at.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(p.text),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(p.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

export const email = {
  id: "email",
  label: "Email (SMTP)",
  description: "Mail through your SMTP server or provider.",
  example: "smtp://user:password@smtp.example.org:587/?from=netronome@example.org&to=me@example.org",
  schemes: ["smtp"],
  fields: [
    { key: "host", label: "SMTP server", required: true, destination: true, placeholder: "smtp.example.org" },
    { key: "port", label: "Port", required: true, destination: true, placeholder: "587" },
    {
      key: "security",
      destination: true,
      label: "Encryption",
      choices: ["auto", "starttls", "tls", "none"],
      hint: "auto: TLS on port 465, otherwise STARTTLS when offered.",
    },
    { key: "username", label: "User name", hint: "Empty: no authentication." },
    { key: "password", label: "Password", secret: true },
    { key: "from", label: "From address", required: true, placeholder: "netronome@example.org" },
    { key: "fromName", label: "From name", placeholder: "Netronome" },
    {
      key: "to",
      label: "To",
      required: true,
      placeholder: "me@example.org, team@example.org",
      hint: "Comma-separated.",
    },
    { key: "subject", label: "Subject prefix", placeholder: "[Netronome]" },
  ],
  parse(url) {
    const encryption = (param(url, "encryption") ?? "auto").toLowerCase() as keyof typeof SECURITY;
    const security: Security = SECURITY[encryption] ?? "auto";
    return {
      host: url.hostname,
      port: url.port || (security === "tls" ? "465" : "587"),
      security: param(url, "usestarttls") === "no" && security === "auto" ? "none" : security,
      username: userOf(url),
      password: passwordOf(url),
      from: param(url, "from") ?? "",
      fromName: param(url, "fromname") ?? "",
      to: list(param(url, "to")).join(","),
      subject: param(url, "subject") ?? "",
    };
  },
  validate(v) {
    if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(v.host ?? ""))
      throw badUrl("the SMTP server is a host name or address");
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badUrl("port: 1 to 65535");
    if (!((v.security || "auto") in SECURITY_PARAM)) throw badUrl("encryption: auto, starttls, tls or none");
    if (!ADDRESS.test(v.from ?? "")) throw badUrl("from: an email address");
    const to = list(v.to);
    if (to.length === 0) throw badUrl("to: at least one email address");
    const bad = to.find((a) => !ADDRESS.test(a));
    if (bad !== undefined) throw badUrl(`to: "${bad}" is not an email address`);
    if (/[\r\n]/.test(`${v.fromName}${v.subject}`)) throw badUrl("from name and subject are one line each");
  },
  format(v) {
    const auth = v.username ? `${encodeURIComponent(v.username)}:${encodeURIComponent(v.password ?? "")}@` : "";
    const security = (v.security || "auto") as Security;
    return `smtp://${auth}${v.host}:${v.port}/${query({
      from: v.from,
      to: list(v.to).join(","),
      fromname: v.fromName,
      subject: v.subject,
      encryption: security === "auto" ? undefined : SECURITY_PARAM[security],
    })}`;
  },
  payload,
  async send(n, v, ctx) {
    await ctx.mail({
      host: v.host ?? "",
      port: Number(v.port),
      security: (v.security || "auto") as Security,
      username: v.username ?? "",
      password: v.password ?? "",
      from: v.from ?? "",
      to: list(v.to),
      data: mimeMessage(n, v),
    });
  },
} satisfies ChannelType;
