/** The GitHub releases API: the latest release of a repository, with its assets. */
import { buildInfo } from "../core/build-info";
import { fetchBytes, UpdateError } from "./http";

export interface ReleaseAsset {
  name: string;
  url: string;
  /** Bytes, as GitHub reports them. */
  size: number;
}

export interface Release {
  tag: string;
  /** The tag without its leading "v". */
  version: string;
  publishedAt: string | null;
  assets: ReleaseAsset[];
}

const API_TIMEOUT_MS = 30_000;
const API_MAX_BYTES = 2 * 1024 * 1024;
const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

function parseRelease(body: unknown, where: string): Release {
  const bad = (what: string) => new UpdateError(`${where}: unexpected answer (${what})`);
  if (typeof body !== "object" || body === null) throw bad("not a JSON object");
  const r = body as Record<string, unknown>;
  if (typeof r.tag_name !== "string") throw bad("no tag_name");
  const version = VERSION.exec(r.tag_name)?.[1];
  if (!version) throw new UpdateError(`${where}: release tag ${JSON.stringify(r.tag_name)} is not a version`);
  if (!Array.isArray(r.assets)) throw bad("no assets");
  const assets: ReleaseAsset[] = [];
  for (const a of r.assets as unknown[]) {
    const asset = a as Record<string, unknown>;
    if (typeof asset?.name !== "string" || typeof asset.browser_download_url !== "string") throw bad("malformed asset");
    assets.push({
      name: asset.name,
      url: asset.browser_download_url,
      size: typeof asset.size === "number" ? asset.size : -1,
    });
  }
  return {
    tag: r.tag_name,
    version,
    publishedAt: typeof r.published_at === "string" ? r.published_at : null,
    assets,
  };
}

/** GET {api}/repos/{owner}/{name}/releases/latest. */
export async function latestRelease(apiUrl: string, repository: string): Promise<Release> {
  const base = apiUrl.replace(/\/+$/, "");
  const where = `${base}/repos/${repository}/releases/latest`;
  const body = await fetchBytes(where, "the releases API", {
    timeoutMs: API_TIMEOUT_MS,
    maxBytes: API_MAX_BYTES,
    headers: {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": `netronome/${buildInfo.version}`,
    },
  });
  if (body === null) throw new UpdateError(`${repository} has no published release (${where} answered 404)`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new UpdateError(`${where}: the answer is not JSON`);
  }
  return parseRelease(json, where);
}
