/**
 * What makes a download trustworthy: its SHA-256 in the release's checksums file, and that file's Ed25519 signature
 * by the key built into this executable. The checksum alone detects corruption; only the signature shows that the
 * release comes from whoever holds the signing key.
 */
import { UpdateError } from "./http";

const LINE = /^([0-9a-fA-F]{64}) [ *]?(\S.*)$/;

/** Parses `sha256sum` output ("<hex>  <name>", "*" marking binary mode). Malformed lines are an error. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const m = LINE.exec(line);
    if (!m) throw new UpdateError(`checksums file, line ${i + 1}: not "<sha256>  <file name>"`);
    const [, hex, name] = m as unknown as [string, string, string];
    if (sums.has(name) && sums.get(name) !== hex.toLowerCase())
      throw new UpdateError(`checksums file lists ${name} twice with different sums`);
    sums.set(name, hex.toLowerCase());
  }
  return sums;
}

/** The SPKI prefix of an Ed25519 public key: a bare 32-byte key in base64 may be given instead of the SPKI form. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyBytes(base64: string): Uint8Array<ArrayBuffer> {
  const raw = Buffer.from(base64, "base64");
  if (raw.length === 32) return new Uint8Array(Buffer.concat([ED25519_SPKI_PREFIX, raw]));
  if (raw.length === 44 && raw.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) return new Uint8Array(raw);
  throw new UpdateError("the built-in update key is not an Ed25519 public key");
}

/** True when `signature` (64 raw bytes) is the Ed25519 signature of `data` by `publicKey` (SPKI base64). */
export async function signatureValid(publicKey: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.byteLength !== 64) return false;
  const key = await crypto.subtle.importKey("spki", publicKeyBytes(publicKey), { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify("Ed25519", key, new Uint8Array(signature), new Uint8Array(data));
}

/** A short fingerprint of the key, for messages: the first 16 hex digits of its SHA-256. */
export function keyFingerprint(publicKey: string): string {
  return new Bun.CryptoHasher("sha256").update(publicKeyBytes(publicKey)).digest("hex").slice(0, 16);
}
