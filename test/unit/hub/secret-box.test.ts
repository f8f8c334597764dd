import { describe, expect, test } from "bun:test";
import { createSecretBox, SecretUnreadable } from "../../../src/core/secret-box";

describe("secret box", () => {
  const box = createSecretBox("a".repeat(64), "agent api keys");

  test("seals to an opaque versioned string and opens it again", () => {
    const sealed = box.seal("s3cret-key");
    expect(sealed).toStartWith("v1:");
    expect(sealed).not.toContain("s3cret");
    expect(box.open(sealed)).toBe("s3cret-key");
  });

  test("the same secret sealed twice gives different ciphertexts (random IV)", () => {
    expect(box.seal("k")).not.toBe(box.seal("k"));
  });

  test("another session secret or another purpose cannot open it", () => {
    const sealed = box.seal("k");
    expect(() => createSecretBox("b".repeat(64), "agent api keys").open(sealed)).toThrow(SecretUnreadable);
    expect(() => createSecretBox("a".repeat(64), "other").open(sealed)).toThrow(SecretUnreadable);
  });

  test("a tampered or truncated value is refused, never returned garbled", () => {
    const sealed = box.seal("k");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    bytes[14]! ^= 1;
    expect(() => box.open(`v1:${bytes.toString("base64")}`)).toThrow(SecretUnreadable);
    expect(() => box.open("v1:AAAA")).toThrow(SecretUnreadable);
    expect(() => box.open("plaintext-key")).toThrow(SecretUnreadable);
  });
});
