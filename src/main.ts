/** Entry point of the `netronome` executable. */
import { runCli } from "./cli";

const code = await runCli(process.argv.slice(2));
// Let buffered output reach a pipe before exiting (process.exit does not wait for it).
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(code);
