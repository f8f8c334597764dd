/**
 * Secrets the server must use again later (an agent's API key) are stored encrypted: AES-256-GCM under a key
 * derived with HKDF-SHA256 from the session secret and a purpose label, so a copy of the database alone does not
 * reveal them. Stored as "v1:" + base64(12-byte IV ‖ ciphertext ‖ 16-byte tag). Changing the session secret
 * makes stored secrets unreadable (open() throws SecretUnreadable); they have to be entered again.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretUnreadable extends Error {
  constructor() {
    super("the stored secret cannot be decrypted (was the session secret changed?)");
  }
}

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/**
 * A 32-byte key for one purpose, derived with HKDF-SHA256 from the session secret: keys of different purposes are
 * unrelated, so a value made for one purpose is worthless for any other.
 */
export function purposeKey(sessionSecret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", sessionSecret, "netronome", `netronome ${purpose}`, 32));
}

export function createSecretBox(sessionSecret: string, purpose: string): SecretBox {
  const key = purposeKey(sessionSecret, purpose);
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
    },
    open(sealed) {
      if (!sealed.startsWith(VERSION)) throw new SecretUnreadable();
      const bytes = Buffer.from(sealed.slice(VERSION.length), "base64");
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable();
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new SecretUnreadable();
      }
    },
  };
}
