/** Reads a password from the terminal without echo, or from piped stdin. */
import { UsageError } from "./args";

async function readAllStdin(): Promise<string> {
  return await new Response(Bun.stdin.stream()).text();
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(value);
        if (ch === "\u0003") return done(new UsageError("cancelled"));
        if (ch === "\u0004") return done(value);
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Interactive: asks twice. Piped: the first line of stdin (`echo pw | netronome create-user alice`). */
export async function readNewPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden("Password: ");
    if (!first) throw new UsageError("the password must not be empty");
    const second = await promptHidden("Confirm password: ");
    if (first !== second) throw new UsageError("the passwords do not match");
    return first;
  }
  const text = await readAllStdin();
  const password = text.replace(/\r?\n$/, "");
  if (!password)
    throw new UsageError("no password on stdin (pipe one in, e.g. `echo 'secret' | netronome create-user alice`)");
  return password;
}
