/**
 * Static assets embedded in the executable: content-hashed URLs served with
 * Cache-Control immutable, a strong ETag (304 on match) and gzip. Each asset is
 * read and hashed when first named, and compressed when first asked for gzip,
 * which keeps start-up fast and idle memory small. Not @elysiajs/static: it serves a folder on disk (a missing one
 * crashes start-up, and a single executable has none), and its ETag revalidation stops answering 304 after the first
 * full response; hashed URLs let browsers keep an asset until it changes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import alpine from "alpinejs/dist/cdn.min.js" with { type: "file" };
import apexcharts from "apexcharts/dist/apexcharts.min.js" with { type: "file" };
import { Elysia } from "elysia";
import htmxSse from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import agentsJs from "../../public/agents.js" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };
import dashboardJs from "../../public/dashboard.js" with { type: "file" };
import logo from "../../public/icons/logo.svg" with { type: "file" };
import monitorsJs from "../../public/monitors.js" with { type: "file" };
import signInJs from "../../public/sign-in.js" with { type: "file" };
import speedtestJs from "../../public/speedtest.js" with { type: "file" };
import themeJs from "../../public/theme.js" with { type: "file" };
import tracerouteJs from "../../public/traceroute.js" with { type: "file" };
import { STYLESHEETS } from "./stylesheets";

/**
 * units.js is also code the views import, and the bundler gives a file one loader, so it cannot be a file import as
 * well: the executable embeds it as an asset at its root (scripts/build.sh --asset), from source it is read in place.
 */
const unitsJs = [join(import.meta.dir, "units.js"), join(import.meta.dir, "..", "..", "public", "units.js")].find((p) =>
  existsSync(p),
)!;

const sources = {
  "htmx.js": htmx,
  "hx-sse.js": htmxSse,
  "alpine.js": alpine,
  "apexcharts.js": apexcharts,
  ...STYLESHEETS,
  "app.js": appJs,
  "dashboard.js": dashboardJs,
  "speedtest.js": speedtestJs,
  "traceroute.js": tracerouteJs,
  "monitors.js": monitorsJs,
  "agents.js": agentsJs,
  "theme.js": themeJs,
  "sign-in.js": signInJs,
  "units.js": unitsJs,
  "logo.svg": logo,
} as const;

export type AssetName = keyof typeof sources;

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  compressible: boolean;
  gzip?: Uint8Array<ArrayBuffer>;
  type: string;
  hash: string;
  etag: string;
}

const table = new Map<string, Asset>();

function asset(name: string): Asset | undefined {
  const cached = table.get(name);
  if (cached) return cached;
  // Own names only: "__proto__" or "constructor" must not reach the object's prototype.
  if (!Object.hasOwn(sources, name)) return undefined;
  const path = sources[name as AssetName];
  const body = new Uint8Array(readFileSync(path));
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
  const type = Bun.file(path).type;
  const entry: Asset = {
    body,
    compressible: /^(text\/|application\/(json|javascript)|image\/svg)/.test(type) && body.length > 512,
    type,
    hash,
    etag: `"${hash}"`,
  };
  table.set(name, entry);
  return entry;
}

/** The versioned path of an asset, without the base URL. */
export function assetPath(name: AssetName): string {
  return `/assets/${asset(name)!.hash}/${name}`;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === etag || t === "*";
  });
}

export const assetsPlugin = new Elysia({ name: "assets" }).get("/assets/:hash/:name", ({ params, headers }) => {
  const entry = asset(params.name);
  if (!entry) return new Response("asset not found", { status: 404, headers: { "content-type": "text/plain" } });
  const base: Record<string, string> = {
    etag: entry.etag,
    vary: "Accept-Encoding",
    "x-content-type-options": "nosniff",
    // An old hash still gets the current file, but must not be cached for long.
    "cache-control": params.hash === entry.hash ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (matchesEtag(headers["if-none-match"], entry.etag)) return new Response(null, { status: 304, headers: base });
  if (entry.compressible && /\bgzip\b/.test(headers["accept-encoding"] ?? "")) {
    entry.gzip ??= Bun.gzipSync(entry.body, { level: 9 }) as Uint8Array<ArrayBuffer>;
    return new Response(entry.gzip, { headers: { ...base, "content-type": entry.type, "content-encoding": "gzip" } });
  }
  return new Response(entry.body, { headers: { ...base, "content-type": entry.type } });
});
