/** Throw-away folders for benchmark subjects, removed even when a measurement fails. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `netronome-bench-${label}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function withTempDir<T>(label: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = makeTempDir(label);
  try {
    return await use(dir);
  } finally {
    removeTempDir(dir);
  }
}
