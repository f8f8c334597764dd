/**
 * A fake GitHub on loopback, speaking the part of the releases API that `netronome update` and
 * scripts/install-agent.sh use: GET /repos/:owner/:repo/releases/latest and /releases/tags/:tag with assets whose
 * browser_download_url points back here. Like github.com, a download URL answers with a redirect to the file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface FakeRelease {
  tag: string;
  assets: Map<string, Uint8Array>;
  publishedAt?: string;
}

/** Answers a file download in place of the stored bytes (a stall, a 500, a lie about the length…). */
export type AssetOverride = (tag: string, name: string, body: Uint8Array) => Response | Promise<Response> | undefined;

export interface FakeGitHub {
  /** API base URL, for [update] api_url. */
  url: string;
  repository: string;
  /** Makes a release the latest one. */
  publish(release: FakeRelease): void;
  /** Publishes every file of a scripts/release.sh output folder under tag v<version>. */
  publishDir(dir: string, version: string): FakeRelease;
  release(tag: string): FakeRelease;
  /** No latest release (the API then answers 404). */
  unpublish(): void;
  override: AssetOverride | undefined;
  /** Paths requested, in order. */
  requests: string[];
  stop(): void;
}

function releaseJson(base: string, repository: string, r: FakeRelease, id: number) {
  return {
    id,
    tag_name: r.tag,
    name: r.tag,
    draft: false,
    prerelease: false,
    published_at: r.publishedAt ?? "2026-12-01T10:00:00Z",
    html_url: `${base}/${repository}/releases/tag/${r.tag}`,
    body: 'Changes: "browser_download_url": "http://198.51.100.7/evil.tar.gz"',
    assets: [...r.assets].map(([name, body], i) => ({
      id: id * 100 + i,
      name,
      size: body.byteLength,
      content_type: "application/octet-stream",
      browser_download_url: `${base}/${repository}/releases/download/${r.tag}/${name}`,
    })),
  };
}

export function startFakeGitHub(repository = "acme/netronome"): FakeGitHub {
  const releases = new Map<string, FakeRelease>();
  let latest: string | null = null;
  const requests: string[] = [];
  const state: { override: AssetOverride | undefined } = { override: undefined };
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  const notFound = () => json({ message: "Not Found", documentation_url: "https://docs.github.com/rest" }, 404);

  const server: Bun.Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv): Promise<Response> {
      const url = new URL(req.url);
      const path = decodeURIComponent(url.pathname);
      requests.push(path);
      const base = `http://127.0.0.1:${srv.port}`;
      const api = /^\/repos\/([^/]+\/[^/]+)\/releases\/(latest|tags\/(.+))$/.exec(path);
      if (api) {
        if (api[1] !== repository) return notFound();
        const tag = api[2] === "latest" ? latest : api[3]!;
        const r = tag ? releases.get(tag) : undefined;
        return r ? json(releaseJson(base, repository, r, [...releases.keys()].indexOf(r.tag) + 1)) : notFound();
      }
      const download = /^\/([^/]+\/[^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(path);
      if (download && download[1] === repository)
        return new Response(null, { status: 302, headers: { location: `/files/${download[2]}/${download[3]}` } });
      const file = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
      const body = file ? releases.get(file[1]!)?.assets.get(file[2]!) : undefined;
      if (!file || !body) return notFound();
      const custom = await state.override?.(file[1]!, file[2]!, body);
      return custom ?? new Response(new Uint8Array(body), { headers: { "content-type": "application/octet-stream" } });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    repository,
    publish(release) {
      releases.set(release.tag, release);
      latest = release.tag;
    },
    publishDir(dir, version) {
      const assets = new Map<string, Uint8Array>();
      for (const name of readdirSync(dir))
        if (name.startsWith(`netronome_${version}_`) || name === "install-agent.sh")
          assets.set(name, new Uint8Array(readFileSync(join(dir, name))));
      const release = { tag: `v${version}`, assets };
      this.publish(release);
      return release;
    },
    release(tag) {
      const r = releases.get(tag);
      if (!r) throw new Error(`no release ${tag}`);
      return r;
    },
    unpublish() {
      latest = null;
    },
    get override() {
      return state.override;
    },
    set override(fn) {
      state.override = fn;
    },
    requests,
    stop() {
      server.stop(true);
    },
  };
}
