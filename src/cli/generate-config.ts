/** `netronome generate-config [--path FILE]`: writes a complete, commented config.toml. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defaultConfigPath } from "../config/load";
import { renderConfigToml, runningInContainer } from "../config/template";

export function generateConfig(path: string | undefined): string {
  const target = resolve(path ?? defaultConfigPath());
  if (existsSync(target)) throw new Error(`${target} already exists; not overwriting it`);
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
  const text = renderConfigToml({
    "session.session_secret": secret,
    ...(runningInContainer() ? { "server.host": "0.0.0.0" } : {}),
  });
  mkdirSync(dirname(target), { recursive: true });
  // The file holds the session secret (and later database passwords): owner-only.
  writeFileSync(target, text, { mode: 0o600, flag: "wx" });
  return target;
}
