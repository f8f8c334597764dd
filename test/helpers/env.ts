/**
 * What the machine offers the tests. Outside CI a missing tool or database skips
 * the tests that need it (with a note); under CI=true it fails them.
 */
import { describe, test } from "bun:test";

export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

export function hasCommand(name: string): boolean {
  return Bun.which(name, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }) !== null;
}

export const isRoot = process.getuid?.() === 0;

/**
 * Runs `body` as a describe block when `available`; otherwise skips it locally and
 * registers a failing test in CI, so a missing prerequisite can never pass silently.
 */
export function describeIf(available: boolean, reason: string, title: string, body: () => void): void {
  if (available) describe(title, body);
  else if (IN_CI)
    test(`${title} (prerequisite missing)`, () => {
      throw new Error(`${reason} — required in CI`);
    });
  else {
    console.warn(`skipping "${title}": ${reason}`);
    describe.skip(title, body);
  }
}
