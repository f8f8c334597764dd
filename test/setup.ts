// Loaded before every test file (bunfig.toml [test] preload), so plain `bun test` gets the same limits as `npm test`:
// network tools, PostgreSQL and Chromium make some tests slower than Bun's 5-second default.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
