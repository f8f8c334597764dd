import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateError } from "../../../src/update/http";
import { keyFingerprint, parseChecksums, publicKeyBytes, signatureValid } from "../../../src/update/verify";
import { describeIf, hasCommand } from "../../helpers/env";

const A = "a".repeat(64);
const B = "B".repeat(64);

describe("parseChecksums", () => {
  test("reads sha256sum and shasum output, text and binary mode, CRLF and blank lines", () => {
    const sums = parseChecksums(`${A}  netronome_1.0.0_linux_x86_64.tar.gz\r\n\n${B} *install-agent.sh\n`);
    expect([...sums]).toEqual([
      ["netronome_1.0.0_linux_x86_64.tar.gz", A],
      ["install-agent.sh", "b".repeat(64)],
    ]);
  });

  test("refuses malformed lines and a name listed twice with different sums", () => {
    expect(() => parseChecksums(`${A}  ok\nnot a checksum line\n`)).toThrow(/line 2: not "<sha256> {2}<file name>"/);
    expect(() => parseChecksums(`${A.slice(1)}  short\n`)).toThrow(UpdateError);
    expect(() => parseChecksums(`${A}  x\n${B}  x\n`)).toThrow(/lists x twice/);
    expect(parseChecksums(`${A}  x\n${A}  x\n`).get("x")).toBe(A);
  });

  test("a name is matched whole: a longer or shorter name is not found", () => {
    const sums = parseChecksums(`${A}  netronome_1.0.0_linux_x86_64.tar.gz.bak\n`);
    expect(sums.get("netronome_1.0.0_linux_x86_64.tar.gz")).toBeUndefined();
  });
});

describe("Ed25519 signatures", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12).toString("base64");
  const data = new TextEncoder().encode(`${A}  netronome_1.0.0_linux_x86_64.tar.gz\n`);
  const signature = new Uint8Array(sign(null, data, privateKey));

  test("a signature by the key verifies, with the key in SPKI or bare form", async () => {
    expect(await signatureValid(spki, data, signature)).toBe(true);
    expect(await signatureValid(raw, data, signature)).toBe(true);
    expect(keyFingerprint(spki)).toBe(keyFingerprint(raw));
    expect(keyFingerprint(spki)).toMatch(/^[0-9a-f]{16}$/);
  });

  test("changed data, a changed or truncated signature, or another key do not verify", async () => {
    const changed = new Uint8Array(data);
    changed[0] = changed[0]! ^ 1;
    expect(await signatureValid(spki, changed, signature)).toBe(false);
    const flipped = new Uint8Array(signature);
    flipped[10] = flipped[10]! ^ 1;
    expect(await signatureValid(spki, data, flipped)).toBe(false);
    expect(await signatureValid(spki, data, signature.subarray(0, 63))).toBe(false);
    expect(await signatureValid(spki, data, new Uint8Array(0))).toBe(false);
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" }).toString("base64");
    expect(await signatureValid(other, data, signature)).toBe(false);
  });

  test("a key that is not Ed25519 is refused", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    expect(() => publicKeyBytes(rsa.export({ type: "spki", format: "der" }).toString("base64"))).toThrow(
      /not an Ed25519 public key/,
    );
    expect(() => publicKeyBytes("bm90IGEga2V5")).toThrow(UpdateError);
  });

  describeIf(hasCommand("openssl"), "openssl is not installed", "interoperability with OpenSSL", () => {
    test("what scripts/release-sign.ts signs, OpenSSL verifies (the installer's check), and the reverse", async () => {
      const dir = mkdtempSync(join(tmpdir(), "netronome-sig-"));
      try {
        const keyFile = join(dir, "key.pem");
        const gen = Bun.spawnSync(["bun", "scripts/release-sign.ts", "generate", keyFile], {
          cwd: join(import.meta.dir, "../../.."),
        });
        expect(gen.exitCode).toBe(0);
        const pub = gen.stdout.toString().trim();
        writeFileSync(join(dir, "sums"), data);
        const signed = Bun.spawnSync(["bun", "scripts/release-sign.ts", "sign", join(dir, "sums")], {
          cwd: join(import.meta.dir, "../../.."),
          env: { ...process.env, NETRONOME_SIGNING_KEY_FILE: keyFile, NETRONOME_SIGNING_KEY: "" },
        });
        expect(signed.exitCode).toBe(0);
        const sig = new Uint8Array(readFileSync(join(dir, "sums.sig")));
        expect(await signatureValid(pub, data, sig)).toBe(true);
        writeFileSync(join(dir, "pub.pem"), `-----BEGIN PUBLIC KEY-----\n${pub}\n-----END PUBLIC KEY-----\n`);
        const verify = (sigFile: string) =>
          Bun.spawnSync([
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            join(dir, "pub.pem"),
            "-rawin",
            "-in",
            join(dir, "sums"),
            "-sigfile",
            sigFile,
          ]).exitCode;
        expect(verify(join(dir, "sums.sig"))).toBe(0);
        writeFileSync(join(dir, "bad.sig"), new Uint8Array(64));
        expect(verify(join(dir, "bad.sig"))).not.toBe(0);
        // OpenSSL signs with the same key; WebCrypto accepts it.
        const byOpenssl = Bun.spawnSync([
          "openssl",
          "pkeyutl",
          "-sign",
          "-inkey",
          keyFile,
          "-rawin",
          "-in",
          join(dir, "sums"),
        ]);
        expect(await signatureValid(pub, data, new Uint8Array(byOpenssl.stdout))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
