// Ed25519 release signing for scripts/release.sh.
//   bun scripts/release-sign.ts generate <private.pem>  new key pair: writes the private key (mode 600) and
//                                                       <private.pem>.pub (the public key as PEM), prints the public key
//   bun scripts/release-sign.ts public-key              public key (SPKI, base64) of the signing key
//   bun scripts/release-sign.ts sign <file>             writes <file>.sig: the raw 64-byte signature of <file>
// The signing key is a PKCS#8 PEM (as `openssl genpkey -algorithm ed25519` writes it), read from NETRONOME_SIGNING_KEY
// (the PEM text, e.g. a CI secret) or from the file named by NETRONOME_SIGNING_KEY_FILE.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

function fail(message: string): never {
  console.error(`release-sign: ${message}`);
  process.exit(2);
}

function signingKey(): KeyObject {
  const file = process.env.NETRONOME_SIGNING_KEY_FILE;
  const pem = process.env.NETRONOME_SIGNING_KEY || (file ? readFileSync(file, "utf8") : "");
  if (!pem) fail("no signing key: set NETRONOME_SIGNING_KEY or NETRONOME_SIGNING_KEY_FILE");
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    fail(`the signing key cannot be read: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") fail(`the signing key is ${key.asymmetricKeyType}, not ed25519`);
  return key;
}

export function publicKeyOf(key: KeyObject): string {
  return createPublicKey(key).export({ type: "spki", format: "der" }).toString("base64");
}

if (import.meta.main) {
  const [command, path] = process.argv.slice(2);
  if (command === "generate" && path) {
    const { privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    writeFileSync(`${path}.pub`, createPublicKey(privateKey).export({ type: "spki", format: "pem" }), { flag: "wx" });
    console.log(publicKeyOf(privateKey));
  } else if (command === "public-key" && !path) {
    console.log(publicKeyOf(signingKey()));
  } else if (command === "sign" && path) {
    writeFileSync(`${path}.sig`, sign(null, readFileSync(path), signingKey()));
  } else {
    fail("usage: release-sign.ts generate <private.pem> | public-key | sign <file>");
  }
}
