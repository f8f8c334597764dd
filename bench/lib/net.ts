/** Loopback helpers: benchmark traffic never leaves 127.0.0.1. */

export const LOOPBACK = "127.0.0.1";

/** A port nothing listens on right now (the kernel's pick for an ephemeral listener). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: LOOPBACK, port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  if (port === undefined) throw new Error("could not obtain a free port");
  return port;
}

export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== LOOPBACK) throw new Error(`benchmark traffic must go to ${LOOPBACK}, not ${hostname}`);
}
