/** Small readers for /proc and /sys files: text that may be missing, numbers, `key: value` tables. */
import { readdirSync, readFileSync } from "node:fs";

/** The file's text, or null when it does not exist or cannot be read (sysfs answers EINVAL for unknown values). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function readTrimmed(path: string): string {
  return readText(path)?.trim() ?? "";
}

/** A whole number from a one-value file (sysfs), or null. */
export function readInteger(path: string): number | null {
  const text = readText(path)?.trim();
  if (!text || !/^-?\d+$/.test(text)) return null;
  return Number(text);
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** `Key:   value unit` lines (/proc/meminfo, /proc/cpuinfo blocks) into a map of trimmed values. */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return out;
}
