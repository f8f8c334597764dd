/**
 * A small SMTP server for tests, speaking real SMTP: EHLO, STARTTLS (with a certificate made by openssl for
 * 127.0.0.1), AUTH PLAIN and LOGIN against one account, MAIL/RCPT/DATA with dot-unstuffing. Records each message.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";

export interface SinkMessage {
  from: string;
  to: string[];
  data: string;
  /** Who authenticated (null: nobody), and whether the session was encrypted when the message came. */
  user: string | null;
  secure: boolean;
}

export interface SinkOptions {
  /** Offer STARTTLS. */
  starttls: boolean;
  /** The account AUTH accepts. */
  account?: { user: string; password: string };
  /** AUTH mechanisms offered (default PLAIN and LOGIN). */
  mechanisms?: ("PLAIN" | "LOGIN")[];
}

/** A self-signed certificate for 127.0.0.1, made once per process. */
let certificate: { key: string; cert: string } | undefined;
export function testCertificate(): { key: string; cert: string } {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), "netronome-cert-"));
  const r = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  certificate = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  rmSync(dir, { recursive: true, force: true });
  return certificate;
}

export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Every command line received, in order (AUTH secrets included, for assertions). */
  readonly commands: string[] = [];
  private readonly server: net.Server;

  constructor(private readonly options: SinkOptions) {
    this.server = net.createServer((socket) => this.session(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private session(raw: net.Socket): void {
    let socket: net.Socket = raw;
    let secure = false;
    let user: string | null = null;
    let from = "";
    let to: string[] = [];
    let data: string[] | null = null;
    let pending: ((line: string) => void) | null = null;
    let buffer = "";
    const reply = (line: string) => socket.write(`${line}\r\n`);

    const onLine = (line: string) => {
      if (data) {
        if (line === ".") {
          this.messages.push({ from, to, data: data.join("\r\n"), user, secure });
          data = null;
          reply("250 2.0.0 queued");
        } else data.push(line.startsWith("..") ? line.slice(1) : line);
        return;
      }
      this.commands.push(line);
      if (pending) {
        const p = pending;
        pending = null;
        return p(line);
      }
      const [verb = "", ...rest] = line.split(" ");
      const arg = rest.join(" ");
      switch (verb.toUpperCase()) {
        case "EHLO": {
          const ext = ["250-sink.local"];
          if (this.options.starttls && !secure) ext.push("250-STARTTLS");
          if (this.options.account) ext.push(`250-AUTH ${(this.options.mechanisms ?? ["PLAIN", "LOGIN"]).join(" ")}`);
          ext.push("250 8BITMIME");
          return reply(ext.join("\r\n"));
        }
        case "STARTTLS": {
          if (!this.options.starttls || secure) return reply("503 not now");
          reply("220 2.0.0 ready for TLS");
          socket.removeAllListeners("data");
          const { key, cert } = testCertificate();
          const upgraded = new tls.TLSSocket(socket, { isServer: true, key, cert });
          upgraded.on("data", feed);
          upgraded.on("error", () => undefined);
          socket = upgraded;
          secure = true;
          return;
        }
        case "AUTH": {
          const [mech = "", initial] = arg.split(" ");
          const check = (u: string, p: string) => {
            const ok = this.options.account && u === this.options.account.user && p === this.options.account.password;
            if (ok) user = u;
            reply(ok ? "235 2.7.0 authenticated" : "535 5.7.8 bad credentials");
          };
          const offered = this.options.mechanisms ?? ["PLAIN", "LOGIN"];
          if (!offered.includes(mech.toUpperCase() as "PLAIN")) return reply("504 unsupported mechanism");
          if (mech.toUpperCase() === "PLAIN" && initial) {
            const [, u = "", p = ""] = Buffer.from(initial, "base64").toString("utf8").split("\0");
            return check(u, p);
          }
          if (mech.toUpperCase() === "LOGIN") {
            reply("334 VXNlcm5hbWU6");
            pending = (u64) => {
              reply("334 UGFzc3dvcmQ6");
              pending = (p64) =>
                check(Buffer.from(u64, "base64").toString("utf8"), Buffer.from(p64, "base64").toString("utf8"));
            };
            return;
          }
          return reply("504 unsupported mechanism");
        }
        case "MAIL":
          if (this.options.account && !user) return reply("530 5.7.0 authentication required");
          from = /<([^>]*)>/.exec(arg)?.[1] ?? "";
          to = [];
          return reply("250 2.1.0 ok");
        case "RCPT":
          to.push(/<([^>]*)>/.exec(arg)?.[1] ?? "");
          return reply("250 2.1.5 ok");
        case "DATA":
          if (!to.length) return reply("554 no recipients");
          data = [];
          return reply("354 go ahead");
        case "QUIT":
          reply("221 bye");
          socket.end();
          return;
        default:
          return reply("502 command not implemented");
      }
    };
    const feed = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      let i = buffer.indexOf("\r\n");
      while (i >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
        i = buffer.indexOf("\r\n");
      }
    };
    raw.on("data", feed);
    raw.on("error", () => undefined);
    reply("220 sink.local ESMTP test sink");
  }
}

/** The decoded text/plain part of a message the sink received. */
export function textPart(data: string): string {
  const m =
    /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n([\s\S]*?)\r\n--/.exec(data);
  return m ? Buffer.from(m[1]!.replace(/\r\n/g, ""), "base64").toString("utf8") : "";
}
