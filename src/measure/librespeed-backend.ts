/**
 * A LibreSpeed-compatible test endpoint (protocols.md §2.2), served by the hub and by agents so two of them can
 * measure the path between them with nothing else installed: `garbage` (random bytes, ckSize MiB), `empty` (GET for
 * pings, POST bodies read and discarded) and `getIP` (the client's address as LibreSpeed's JSON), also under their
 * `.php` names. Its URLs carry a secret as the path segment after the configured path, `<path>/<secret>/garbage`,
 * because LibreSpeed's clients (web page, librespeed-cli) can send no header: whoever has the URL may test, nobody
 * else finds the endpoint. The secret is compared in constant time. `?cors` adds the headers the PHP backend adds,
 * so the LibreSpeed web page may run from another origin.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { ipInRanges, parseCidr } from "../core/net";

const MiB = 1024 * 1024;
/** garbage's rule: ckSize counts if it is all digits and > 0, capped at 1024; else 4. */
const DEFAULT_CHUNKS = 4;
const MAX_CHUNKS = 1024;

/** The largest upload LibreSpeed's clients send in one POST (its web page: 20 MiB), with room. */
export const LIBRESPEED_MAX_UPLOAD_BYTES = 32 * MiB;
/**
 * Downloads served at once. A LibreSpeed client opens six; a client that opens hundreds and never reads them holds
 * what each socket could not take (a few MiB of memory apiece) and made the hub copy gigabytes into them, stalling
 * every other request for seconds. More than this get 503 with Retry-After until one ends.
 */
export const LIBRESPEED_MAX_DOWNLOADS = 64;
const BUSY_RETRY_SECONDS = 5;

export const LIBRESPEED_ENDPOINTS = { dlURL: "garbage", ulURL: "empty", pingURL: "empty", getIpURL: "getIP" } as const;

const NO_STORE = {
  "cache-control": "no-store, no-cache, must-revalidate, max-age=0, s-maxage=0",
  pragma: "no-cache",
};
const DOWNLOAD_HEADERS = {
  ...NO_STORE,
  "content-type": "application/octet-stream",
  "content-description": "File Transfer",
  "content-disposition": "attachment; filename=random.dat",
  "content-transfer-encoding": "binary",
};
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST",
  "access-control-allow-headers": "Content-Encoding, Content-Type",
};

let randomChunk: Uint8Array<ArrayBuffer> | null = null;

/** One MiB of random bytes, made at the first download (nobody pays for it until the endpoint is used). */
function chunk(): Uint8Array<ArrayBuffer> {
  if (randomChunk) return randomChunk;
  const bytes = new Uint8Array(MiB);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < MiB; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  randomChunk = bytes;
  return bytes;
}

export function chunkCount(raw: string | null): number {
  if (!raw || !/^\d+$/.test(raw) || Number(raw) <= 0) return DEFAULT_CHUNKS;
  return Math.min(Number(raw), MAX_CHUNKS);
}

/** `count` MiB of random bytes, handed over as the socket drains; `ended` is called once, when it is done or dropped. */
function garbage(count: number, ended: () => void): ReadableStream<Uint8Array> {
  let sent = 0;
  let open = true;
  const end = () => {
    if (open) ended();
    open = false;
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= count) {
          end();
          return controller.close();
        }
        controller.enqueue(chunk());
        sent++;
      },
      cancel: end,
    },
    { highWaterMark: 1 },
  );
}

/** Reads an upload to its end without keeping it; a client that goes away mid-body just ends it. */
async function discard(request: Request): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The client went away.
  }
}

const LOCAL_RANGES: [string, string][] = [
  ["127.0.0.0/8", "localhost IPv4 access"],
  ["10.0.0.0/8", "private IPv4 access"],
  ["172.16.0.0/12", "private IPv4 access"],
  ["192.168.0.0/16", "private IPv4 access"],
  ["100.64.0.0/10", "CGNAT IPv4 access"],
  ["169.254.0.0/16", "link-local IPv4 access"],
  ["::1/128", "localhost IPv6 access"],
  ["fc00::/7", "ULA IPv6 access"],
  ["fe80::/10", "link-local IPv6 access"],
];
const LOCAL = LOCAL_RANGES.map(([cidr, label]) => ({ range: parseCidr(cidr)!, label }));

/** getIP's answer: the address, labelled as LibreSpeed labels local ones; no lookup leaves this machine. */
export function getIpBody(ip: string, withIsp: boolean): { processedString: string; rawIspInfo: "" } {
  const address = ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  if (!withIsp || !(isIPv4(address) || isIPv6(address))) return { processedString: address, rawIspInfo: "" };
  const local = LOCAL.find(({ range }) => ipInRanges(address, [range]));
  return { processedString: local ? `${address} - ${local.label}` : address, rawIspInfo: "" };
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

export interface LibreSpeedBackend {
  /** True for a request under the endpoint's path (answered by `handle`, even when it is refused). */
  owns(pathname: string): boolean;
  handle(request: Request, pathname: string, clientIp: string): Promise<Response>;
}

/** The endpoint at `<path>/<secret>/…`; `path` starts with "/" and has no trailing slash. */
export function createLibreSpeedBackend(options: { path: string; secret: string }): LibreSpeedBackend {
  const prefix = `${options.path.replace(/\/+$/, "")}/`;
  const expected = digest(options.secret);
  const notFound = () => new Response("not found", { status: 404, headers: { "content-type": "text/plain" } });
  let downloads = 0;

  return {
    owns: (pathname) => pathname.startsWith(prefix),

    async handle(request, pathname, clientIp) {
      const [secret, name, ...rest] = pathname.slice(prefix.length).split("/");
      // A wrong secret and a wrong endpoint look alike, so the endpoint's names tell a scanner nothing.
      if (secret === undefined || rest.length > 0 || !timingSafeEqual(digest(secret), expected)) return notFound();
      const url = new URL(request.url);
      const cors = url.searchParams.has("cors") ? CORS : {};
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: { ...CORS, ...NO_STORE } });
      const endpoint = name?.replace(/\.php$/, "");
      if (endpoint === "empty") {
        if (request.method === "POST") await discard(request);
        else if (request.method !== "GET" && request.method !== "HEAD") return notFound();
        return new Response(null, { status: 200, headers: { ...NO_STORE, connection: "keep-alive", ...cors } });
      }
      if (request.method !== "GET" && request.method !== "HEAD") return notFound();
      if (endpoint === "garbage") {
        if (downloads >= LIBRESPEED_MAX_DOWNLOADS)
          return new Response(`at most ${LIBRESPEED_MAX_DOWNLOADS} downloads at once`, {
            status: 503,
            headers: { ...NO_STORE, "content-type": "text/plain", "retry-after": String(BUSY_RETRY_SECONDS), ...cors },
          });
        const headers = { ...DOWNLOAD_HEADERS, ...cors };
        // A HEAD request never reads a body: none is made, so none is counted.
        if (request.method === "HEAD") return new Response(null, { headers });
        downloads++;
        return new Response(
          garbage(chunkCount(url.searchParams.get("ckSize")), () => downloads--),
          { headers },
        );
      }
      if (endpoint === "getIP")
        return Response.json(getIpBody(clientIp, url.searchParams.get("isp") === "true"), {
          headers: { ...NO_STORE, ...cors },
        });
      return notFound();
    },
  };
}
