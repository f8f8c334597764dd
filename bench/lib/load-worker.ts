/**
 * The fallback load generator, run as its own process so its CPU use is not the harness's:
 * `bun bench/lib/load-worker.ts <url> <connections> <durationMs> <maxRequestsPerConnection>`.
 * Each connection sends one request at a time until the duration or its request count runs out, then the
 * figures are printed as one JSON LoadResult line.
 */
import type { LoadResult } from "./load";
import { assertLoopback } from "./net";
import { percentile } from "./stats";

const [url, connectionsArg, durationArg, maxArg] = process.argv.slice(2);
if (!url || !connectionsArg || !durationArg || !maxArg) {
  console.error("usage: bun bench/lib/load-worker.ts <url> <connections> <durationMs> <maxRequestsPerConnection>");
  process.exit(2);
}
assertLoopback(url);
const connections = Number(connectionsArg);
const maxPerConnection = Number(maxArg);
const started = performance.now();
const deadline = started + Number(durationArg);
const latenciesMs: number[] = [];
let failures = 0;

async function connectionLoop(): Promise<void> {
  for (let sent = 0; sent < maxPerConnection && performance.now() < deadline; sent++) {
    const before = performance.now();
    try {
      const response = await fetch(url!);
      await response.arrayBuffer();
      if (response.status >= 400) failures++;
    } catch {
      failures++;
    }
    latenciesMs.push(performance.now() - before);
  }
}

await Promise.all(Array.from({ length: connections }, connectionLoop));
const elapsedS = (performance.now() - started) / 1_000;
const result: LoadResult = {
  requests: latenciesMs.length,
  requestsPerSecond: latenciesMs.length / elapsedS,
  p99Ms: latenciesMs.length ? percentile(latenciesMs, 99) : Number.NaN,
  failures,
};
console.log(JSON.stringify(result));
