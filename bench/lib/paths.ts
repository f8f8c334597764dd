/** Locations the benchmarks share, independent of the folder they are started from. */
import { join } from "node:path";

export const projectRoot = join(import.meta.dir, "..", "..");
export const benchDir = join(projectRoot, "bench");
export const resultsPath = join(benchDir, "RESULTS.md");
