/** A small argv parser: global --config, one command, its positionals and --flags. */

export class UsageError extends Error {}

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Map<string, string | true>;
  help: boolean;
}

/** Flags that take a value; every other --flag is boolean. */
const VALUE_FLAGS = new Set(["config", "path"]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  let command: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      if (!name) throw new UsageError(`malformed option "${arg}"`);
      if (eq !== -1) flags.set(name, arg.slice(eq + 1));
      else if (VALUE_FLAGS.has(name)) {
        const value = argv[++i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`option --${name} needs a value`);
        flags.set(name, value);
      } else flags.set(name, true);
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option "${arg}"`);
    if (command === undefined) command = arg;
    else positionals.push(arg);
  }
  return { command, positionals, flags, help };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`option --${name} needs a value`);
  return v;
}

/** Rejects options the command does not know, so typos do not pass silently. */
export function allowFlags(args: ParsedArgs, command: string, allowed: readonly string[]): void {
  for (const name of args.flags.keys())
    if (name !== "config" && !allowed.includes(name)) throw new UsageError(`${command}: unknown option --${name}`);
}
