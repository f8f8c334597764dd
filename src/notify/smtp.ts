/**
 * A small SMTP client (RFC 5321) over node:net/node:tls, enough to hand one message to a relay: EHLO, STARTTLS or
 * TLS from the start, AUTH PLAIN or LOGIN, MAIL/RCPT/DATA with dot-stuffing, QUIT. Every step is under one deadline.
 * Certificates are verified; credentials never travel unencrypted unless security is "none".
 */
import net from "node:net";
import tls from "node:tls";
import type { MailMessage } from "./channels/channel";
import { DeliveryError } from "./channels/channel";

export interface SmtpOptions {
  timeoutMs: number;
  /** Extra trusted certificates (PEM), for servers with a private CA. */
  ca?: string | Buffer;
  /** The name this host gives in EHLO. */
  clientName?: string;
}

interface Reply {
  code: number;
  lines: string[];
}

const MAX_CONVERSATION_CHARS = 256 * 1024;
const MAX_REPLIES_AHEAD = 16;

/** Reads SMTP replies (possibly multi-line) from a socket. */
class ReplyReader {
  private buffer = "";
  private lines: string[] = [];
  private waiting: ((r: Reply) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  private error: Error | undefined;
  private readonly ready: Reply[] = [];
  private received = 0;

  attach(socket: net.Socket): void {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.feed(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("the server closed the connection")));
  }

  detach(socket: net.Socket): void {
    socket.removeAllListeners("data");
    socket.removeAllListeners("error");
    socket.removeAllListeners("close");
  }

  private feed(chunk: string): void {
    if (this.error) return;
    this.received += chunk.length;
    // A whole conversation is a few kilobytes: a server that sends more (an endless multi-line reply, replies ahead
    // of commands) is cut off instead of being read into memory until the deadline.
    if (this.received > MAX_CONVERSATION_CHARS || this.ready.length > MAX_REPLIES_AHEAD) {
      this.fail(new Error("the server sent too much; it does not speak SMTP as expected"));
      return;
    }
    this.buffer += chunk;
    let i = this.buffer.indexOf("\n");
    while (i >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, "");
      this.buffer = this.buffer.slice(i + 1);
      this.lines.push(line);
      if (!/^\d{3}-/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)) || 0, lines: this.lines.map((l) => l.slice(4)) };
        this.lines = [];
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(reply);
        } else this.ready.push(reply);
      }
      i = this.buffer.indexOf("\n");
    }
  }

  private fail(e: Error): void {
    this.error ??= e;
    this.failed?.(e);
  }

  next(): Promise<Reply> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }
}

const transient = (code: number) => code >= 400 && code < 500;

/** Sends `message`; throws DeliveryError (retryable for network trouble and 4xx replies). */
export async function sendMail(message: MailMessage, options: SmtpOptions): Promise<void> {
  let socket: net.Socket | undefined;
  const timer = setTimeout(
    () => socket?.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)),
    options.timeoutMs,
  );
  try {
    await converse(message, options, (s) => {
      socket = s;
    });
  } catch (e) {
    if (e instanceof DeliveryError) throw e;
    throw new DeliveryError(`SMTP ${message.host}:${message.port}: ${(e as Error).message}`, true);
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

async function converse(m: MailMessage, o: SmtpOptions, track: (s: net.Socket) => void): Promise<void> {
  const implicit = m.security === "tls" || (m.security === "auto" && m.port === 465);
  const tlsOptions = {
    servername: net.isIP(m.host) ? undefined : m.host,
    ca: o.ca ? [...tls.rootCertificates, o.ca.toString()] : undefined,
  };
  let socket: net.Socket = implicit
    ? tls.connect({ host: m.host, port: m.port, ...tlsOptions })
    : net.connect({ host: m.host, port: m.port });
  track(socket);
  let reader = new ReplyReader();
  reader.attach(socket);
  let secure = implicit;

  // Only SMTP replies are shown: another service's banner or answer (SSH, HTTP, a database) has no reply code and is
  // never echoed into the API, the history or the log.
  const expect = async (ok: number[], what: string): Promise<Reply> => {
    const r = await reader.next();
    if (!ok.includes(r.code)) {
      const smtp = r.code >= 200 && r.code < 600;
      const text = smtp
        ? `${what}: ${r.code} ${r.lines.join(" ").slice(0, 300)}`
        : "not an SMTP server (no SMTP reply)";
      throw new DeliveryError(`SMTP ${m.host}:${m.port}: ${text}`, transient(r.code));
    }
    return r;
  };
  const command = (line: string, ok: number[], what = line.split(" ")[0] ?? line) => {
    socket.write(`${line}\r\n`);
    return expect(ok, what);
  };

  await expect([220], "greeting");
  const name = o.clientName ?? "netronome.localdomain";
  let ehlo = await command(`EHLO ${name}`, [250], "EHLO");
  const offers = (r: Reply, ext: string) => r.lines.some((l) => l.toUpperCase().startsWith(ext));

  if (!secure && m.security !== "none" && (m.security === "starttls" || offers(ehlo, "STARTTLS"))) {
    if (!offers(ehlo, "STARTTLS")) throw new DeliveryError(`SMTP ${m.host}: the server does not offer STARTTLS`, false);
    await command("STARTTLS", [220]);
    reader.detach(socket);
    socket = tls.connect({ socket, ...tlsOptions });
    track(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", () => resolve());
      socket.once("error", reject);
    });
    reader = new ReplyReader();
    reader.attach(socket);
    secure = true;
    ehlo = await command(`EHLO ${name}`, [250], "EHLO");
  }

  if (m.username) {
    if (!secure && m.security !== "none")
      throw new DeliveryError(`SMTP ${m.host}: refusing to send the password over an unencrypted connection`, false);
    const auth = ehlo.lines.find((l) => l.toUpperCase().startsWith("AUTH"))?.toUpperCase() ?? "";
    if (/\bPLAIN\b/.test(auth) || !/\bLOGIN\b/.test(auth)) {
      const token = Buffer.from(`\0${m.username}\0${m.password}`, "utf8").toString("base64");
      await command(`AUTH PLAIN ${token}`, [235], "AUTH PLAIN");
    } else {
      await command("AUTH LOGIN", [334], "AUTH LOGIN");
      await command(Buffer.from(m.username, "utf8").toString("base64"), [334], "AUTH LOGIN user");
      await command(Buffer.from(m.password, "utf8").toString("base64"), [235], "AUTH LOGIN password");
    }
  }

  await command(`MAIL FROM:<${m.from}>`, [250], "MAIL FROM");
  for (const to of m.to) await command(`RCPT TO:<${to}>`, [250, 251], `RCPT TO ${to}`);
  await command("DATA", [354]);
  // Dot-stuffing: a line that starts with "." gets another, so no line of the message ends it early.
  const body = m.data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
  socket.write(`${body.endsWith("\r\n") ? body : `${body}\r\n`}.\r\n`);
  await expect([250], "end of data");
  socket.write("QUIT\r\n");
  await reader.next().catch(() => undefined);
}
