/** A small argv parser: global --config, one command, its positionals and --flags (a few with short forms). */

export class UsageError extends Error {}

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  /** The last value of each flag. */
  flags: Map<string, string | true>;
  /** Every value of each value flag, in order, for repeatable flags such as --disk-include. */
  repeated: Map<string, string[]>;
  help: boolean;
}

/** Flags that take a value; every other --flag is boolean. */
const VALUE_FLAGS = new Set([
  "config",
  "path",
  "host",
  "port",
  "interface",
  "api-key",
  "disk-include",
  "disk-exclude",
  "log-level",
  "role",
]);

/** Short forms, as the Go version's `agent` command had them (-h stays --help). */
const SHORT_FLAGS: Record<string, string> = { H: "host", p: "port", i: "interface", k: "api-key", l: "log-level" };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const setValue = (name: string, value: string) => {
    flags.set(name, value);
    repeated.set(name, [...(repeated.get(name) ?? []), value]);
  };
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
      if (eq !== -1) setValue(name, arg.slice(eq + 1));
      else if (VALUE_FLAGS.has(name)) setValue(name, valueAfter(argv, ++i, `--${name}`));
      else flags.set(name, true);
      continue;
    }
    const short = SHORT_FLAGS[arg.slice(1)];
    if (short && arg.length === 2) {
      setValue(short, valueAfter(argv, ++i, arg));
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option "${arg}"`);
    if (command === undefined) command = arg;
    else positionals.push(arg);
  }
  return { command, positionals, flags, repeated, help };
}

function valueAfter(argv: readonly string[], i: number, option: string): string {
  const value = argv[i];
  if (value === undefined || value.startsWith("--")) throw new UsageError(`option ${option} needs a value`);
  return value;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`option --${name} needs a value`);
  return v;
}

/** Every value given for a repeatable flag, comma-separated lists split: `--x a --x b,c` → [a, b, c]. */
export function listFlag(args: ParsedArgs, name: string): string[] | undefined {
  if (args.flags.get(name) === true) throw new UsageError(`option --${name} needs a value`);
  const values = args.repeated.get(name);
  if (!values) return undefined;
  const items = values.flatMap((v) => v.split(",")).map((v) => v.trim());
  if (items.some((v) => v === "")) throw new UsageError(`option --${name}: empty value in "${values.join(" ")}"`);
  return items;
}

/** A boolean flag: absent → undefined, `--x` or `--x=true` → true, `--x=false` → false. */
export function boolFlag(args: ParsedArgs, name: string): boolean | undefined {
  const v = args.flags.get(name);
  if (v === undefined || v === true || v === "true") return v === undefined ? undefined : true;
  if (v === "false") return false;
  throw new UsageError(`option --${name} takes no value, or =true / =false (got "${v}")`);
}

/** Rejects options the command does not know, so typos do not pass silently. */
export function allowFlags(args: ParsedArgs, command: string, allowed: readonly string[]): void {
  for (const name of args.flags.keys())
    if (name !== "config" && !allowed.includes(name)) throw new UsageError(`${command}: unknown option --${name}`);
}
