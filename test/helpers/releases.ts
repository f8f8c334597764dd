/**
 * Real releases for the update and installer tests, built once per test process by scripts/release.sh --local:
 * 1.0.0 and 1.1.0 of this checkout, signed with a throw-away Ed25519 key, for repository acme/netronome.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
export const REPOSITORY = "acme/netronome";

export interface TestReleases {
  dir: string;
  /** The signing key (PKCS#8 PEM file) and its public key (SPKI base64). */
  keyFile: string;
  publicKey: string;
  /** A second key, for signatures that must not be accepted. */
  otherKey: KeyObject;
  /** scripts/release.sh output folders. */
  v1: string;
  v2: string;
  /** The 1.0.0 executable, unpacked once; tests hard-link it (an update renames, it never writes into it). */
  v1Binary: string;
  platform: string;
}

let built: Promise<TestReleases> | undefined;

async function sh(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const proc = Bun.spawn(argv, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
  if ((await proc.exited) !== 0) throw new Error(`${argv.join(" ")} failed:\n${out}\n${err}`);
  return out;
}

async function build(): Promise<TestReleases> {
  const dir = mkdtempSync(join(tmpdir(), "netronome-releases-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyFile = join(dir, "signing.pem");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const pubFile = join(dir, "signing.pub");
  writeFileSync(pubFile, publicKey.export({ type: "spki", format: "pem" }));
  const env = {
    NETRONOME_SIGNING_KEY_FILE: keyFile,
    NETRONOME_SIGNING_KEY: "",
    NETRONOME_RELEASE_KEY_PUB: pubFile,
    NETRONOME_REPOSITORY: REPOSITORY,
  };
  for (const version of ["1.0.0", "1.1.0"])
    await sh(["bash", "scripts/release.sh", "--local", "--version", version, "--out", join(dir, version)], env);
  const platform = (await sh(["bash", "-c", "source scripts/platform.sh && host_platform"])).trim();
  const unpacked = join(dir, "v1-binary");
  mkdirSync(unpacked);
  await sh(["tar", "-xzf", join(dir, "1.0.0", `netronome_1.0.0_${platform}.tar.gz`), "-C", unpacked]);
  return {
    dir,
    keyFile,
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    otherKey: generateKeyPairSync("ed25519").privateKey,
    v1: join(dir, "1.0.0"),
    v2: join(dir, "1.1.0"),
    v1Binary: join(unpacked, "netronome"),
    platform,
  };
}

export function testReleases(): Promise<TestReleases> {
  built ??= build();
  return built;
}

/** A fresh folder holding `netronome` 1.0.0 (a hard link to the unpacked one). */
export function installV1(r: TestReleases): { dir: string; exe: string } {
  const dir = mkdtempSync(join(tmpdir(), "netronome-installed-"));
  const exe = join(dir, "netronome");
  linkSync(r.v1Binary, exe);
  return { dir, exe };
}
