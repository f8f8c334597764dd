/**
 * `netronome update`: find the latest release, verify it, smoke-test it and put it in place of this executable.
 * Nothing touches the installed executable until the new one has passed every check; on any failure the temporary
 * files beside it are removed and the error says what was wrong.
 */
import { rmSync, statSync } from "node:fs";
import { run } from "../core/runner";
import { extractExecutable } from "./archive";
import { latestRelease, type Release, type ReleaseAsset } from "./github";
import { downloadTo, fetchBytes, UpdateError } from "./http";
import { archiveName, checksumsName, signatureName } from "./platform";
import {
  acquireLock,
  assertWritable,
  matchPermissions,
  removeStaleTemps,
  swapIn,
  swapWithPrevious,
  tempPath,
} from "./replace";
import { keyFingerprint, parseChecksums, signatureValid } from "./verify";

export interface UpdateTarget {
  apiUrl: string;
  repository: string;
  /** The executable to replace (the running one). */
  exe: string;
  /** Its inode when the command started: another update that replaced it meanwhile must not be overwritten. */
  exeInode: number;
  currentVersion: string;
  /** `os/arch` as `netronome version` prints it, which the new executable must match. */
  runtimePlatform: string;
  /** Release platform name, e.g. `linux_x86_64`. */
  platform: string;
  /** Ed25519 public key that must have signed the checksums; null: checksums only. */
  updateKey: string | null;
  say(line: string): void;
  onProgress?(received: number, total: number | null): void;
}

const ARCHIVE_MAX_BYTES = 512 * 1024 * 1024;
const EXECUTABLE_MAX_BYTES = 1024 * 1024 * 1024;
const SMALL_FILE = { timeoutMs: 30_000, maxBytes: 256 * 1024 };
const DOWNLOAD = { timeoutMs: 30 * 60_000, idleTimeoutMs: 60_000, maxBytes: ARCHIVE_MAX_BYTES };
const SMOKE_TEST_MS = 30_000;

export interface Check {
  release: Release;
  newer: boolean;
}

export async function checkForUpdate(t: UpdateTarget): Promise<Check> {
  const release = await latestRelease(t.apiUrl, t.repository);
  return { release, newer: Bun.semver.order(release.version, t.currentVersion) > 0 };
}

function asset(release: Release, name: string): ReleaseAsset | undefined {
  return release.assets.find((a) => a.name === name);
}

/** The checksum the release publishes for `name`, after checking the signature over the checksums file. */
async function expectedSum(release: Release, name: string, t: UpdateTarget): Promise<string> {
  const sumsAsset = asset(release, checksumsName(release.version));
  if (!sumsAsset) throw new UpdateError(`release ${release.tag} has no ${checksumsName(release.version)}; refusing it`);
  const sums = await fetchBytes(sumsAsset.url, sumsAsset.name, SMALL_FILE);
  if (!sums) throw new UpdateError(`${sumsAsset.name} is listed but cannot be downloaded (404)`);
  const sigAsset = asset(release, signatureName(release.version));
  if (t.updateKey) {
    if (!sigAsset)
      throw new UpdateError(
        `release ${release.tag} is not signed, and this build only installs releases signed with its key ` +
          `(${keyFingerprint(t.updateKey)}); refusing it`,
      );
    const sig = await fetchBytes(sigAsset.url, sigAsset.name, SMALL_FILE);
    if (!sig || !(await signatureValid(t.updateKey, sums, sig)))
      throw new UpdateError(
        `the signature of ${sumsAsset.name} does not match this build's key (${keyFingerprint(t.updateKey)}); refusing it`,
      );
    t.say(`signature of ${sumsAsset.name} verified (key ${keyFingerprint(t.updateKey)})`);
  } else {
    t.say("warning: this build has no release-signing key; only the SHA-256 checksum is verified");
  }
  const sum = parseChecksums(new TextDecoder().decode(sums)).get(name);
  if (!sum) throw new UpdateError(`${sumsAsset.name} has no checksum for ${name}; refusing it`);
  return sum;
}

/** Runs `<file> version` and checks that it is the expected version for this os/arch. */
async function smokeTest(file: string, version: string, t: UpdateTarget): Promise<void> {
  const result = await run([file, "version"], { timeoutMs: SMOKE_TEST_MS });
  const lines = result.stdout.split("\n");
  const platform = lines.find((l) => l.startsWith("os/arch:"))?.replace(/^os\/arch:\s*/, "");
  if (result.exitCode !== 0 || lines[0] !== `netronome ${version}` || platform !== t.runtimePlatform) {
    const got = result.timedOut ? "no answer" : `exit ${result.exitCode}, "${lines[0] ?? ""}", ${platform ?? "?"}`;
    throw new UpdateError(
      `the new executable failed its test run (expected "netronome ${version}" for ${t.runtimePlatform}; got ${got})`,
    );
  }
}

/** Downloads, verifies, tests and installs `release`; the replaced executable is kept for --rollback. */
export async function installRelease(release: Release, t: UpdateTarget): Promise<void> {
  const name = archiveName(release.version, t.platform);
  const archive = asset(release, name);
  if (!archive) throw new UpdateError(`release ${release.tag} has no build for ${t.platform} (${name})`);
  if (archive.size > ARCHIVE_MAX_BYTES) throw new UpdateError(`${name} is ${archive.size} bytes; too large`);
  assertWritable(t.exe);
  const unlock = acquireLock(t.exe);
  const download = tempPath(t.exe, "tar.gz");
  const fresh = tempPath(t.exe, "new");
  try {
    if (statSync(t.exe).ino !== t.exeInode)
      throw new UpdateError(`${t.exe} was replaced while this update ran (by another update?); run it again`);
    removeStaleTemps(t.exe);
    const expected = await expectedSum(release, name, t);
    t.say(`downloading ${name}`);
    const got = await downloadTo(archive.url, download, name, DOWNLOAD, t.onProgress);
    if (archive.size >= 0 && got.bytes !== archive.size)
      throw new UpdateError(`${name}: received ${got.bytes} bytes, the release lists ${archive.size}; refusing it`);
    if (got.sha256 !== expected)
      throw new UpdateError(`${name}: SHA-256 ${got.sha256} does not match the release's ${expected}; refusing it`);
    t.say(`SHA-256 of ${name} verified`);
    await extractExecutable(download, fresh, EXECUTABLE_MAX_BYTES);
    matchPermissions(fresh, t.exe);
    await smokeTest(fresh, release.version, t);
    swapIn(fresh, t.exe);
  } finally {
    rmSync(download, { force: true });
    rmSync(fresh, { force: true });
    unlock();
  }
}

/** Swaps the executable with the one the last update replaced; returns the version now installed. */
export async function rollbackExecutable(exe: string): Promise<string> {
  assertWritable(exe);
  const unlock = acquireLock(exe);
  try {
    removeStaleTemps(exe);
    swapWithPrevious(exe);
  } finally {
    unlock();
  }
  const result = await run([exe, "version"], { timeoutMs: SMOKE_TEST_MS });
  return result.stdout.split("\n")[0]?.replace(/^netronome /, "") || "unknown";
}
