/**
 * Static assets embedded in the executable: content-hashed URLs served with
 * Cache-Control immutable, a strong ETag (304 on match) and gzip prepared once.
 */

import alpine from "alpinejs/dist/cdn.min.js" with { type: "file" };
import apexcharts from "apexcharts/dist/apexcharts.min.js" with { type: "file" };
import { Elysia } from "elysia";
import htmxSse from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import appCss from "../../public/app.css" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };
import logo from "../../public/icons/logo.svg" with { type: "file" };
import themeJs from "../../public/theme.js" with { type: "file" };

const sources = {
  "htmx.js": htmx,
  "hx-sse.js": htmxSse,
  "alpine.js": alpine,
  "apexcharts.js": apexcharts,
  "app.css": appCss,
  "app.js": appJs,
  "theme.js": themeJs,
  "logo.svg": logo,
} as const;

export type AssetName = keyof typeof sources;

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | undefined;
  type: string;
  hash: string;
  etag: string;
}

const table = new Map<string, Asset>();
for (const [name, path] of Object.entries(sources)) {
  const file = Bun.file(path);
  const body = (await file.bytes()) as Uint8Array<ArrayBuffer>;
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
  const compressible = /^(text\/|application\/(json|javascript)|image\/svg)/.test(file.type) && body.length > 512;
  table.set(name, {
    body,
    gzip: compressible ? (Bun.gzipSync(body, { level: 9 }) as Uint8Array<ArrayBuffer>) : undefined,
    type: file.type,
    hash,
    etag: `"${hash}"`,
  });
}

/** The versioned path of an asset, without the base URL. */
export function assetPath(name: AssetName): string {
  return `/assets/${table.get(name)!.hash}/${name}`;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === etag || t === "*";
  });
}

export const assetsPlugin = new Elysia({ name: "assets" }).get("/assets/:hash/:name", ({ params, headers }) => {
  const asset = table.get(params.name);
  if (!asset) return new Response("asset not found", { status: 404, headers: { "content-type": "text/plain" } });
  const current = params.hash === asset.hash;
  const base: Record<string, string> = {
    etag: asset.etag,
    vary: "Accept-Encoding",
    "x-content-type-options": "nosniff",
    // An old hash still gets the current file, but must not be cached for long.
    "cache-control": current ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (matchesEtag(headers["if-none-match"], asset.etag)) return new Response(null, { status: 304, headers: base });
  const gzip = asset.gzip && /\bgzip\b/.test(headers["accept-encoding"] ?? "");
  return new Response(gzip ? asset.gzip : asset.body, {
    headers: { ...base, "content-type": asset.type, ...(gzip ? { "content-encoding": "gzip" } : {}) },
  });
});
