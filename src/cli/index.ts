/**
 * Dispatches `netronome <command>`. Exit codes: 0 success, 1 runtime error, 2 usage error.
 * Each command's code is imported when it runs, so `agent` never loads the hub (web app, database, views).
 */
import { allowFlags, type ParsedArgs, parseArgs, stringFlag, UsageError } from "./args";

interface Command {
  usage: string;
  summary: string;
  details: string;
  flags: readonly string[];
  run(args: ParsedArgs): Promise<number>;
}

/** The agent's flags, listed here so that `--help` and flag checks need not load the agent. */
const AGENT_COMMAND_FLAGS = [
  "host",
  "port",
  "interface",
  "api-key",
  "disk-include",
  "disk-exclude",
  "disable-system-metrics",
  "disable-measurements",
  "log-level",
] as const;

const GLOBAL_HELP =
  "Global option:\n  --config <path>   config file (default: ~/.config/netronome/config.toml, then ./config.toml)";

function onePositional(args: ParsedArgs, name: string, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`${name} needs exactly one ${what}`);
  return args.positionals[0]!;
}

function noPositionals(args: ParsedArgs, name: string): void {
  if (args.positionals.length) throw new UsageError(`${name} takes no arguments (got "${args.positionals.join(" ")}")`);
}

const commands: Record<string, Command> = {
  serve: {
    usage: "netronome serve [--config <path>]",
    summary: "Start the web server (the default command)",
    details: "Serves the web interface, the JSON API and scheduled tests until SIGINT or SIGTERM.",
    flags: [],
    run: async (args) => {
      noPositionals(args, "serve");
      const { serve } = await import("./serve");
      return serve(stringFlag(args, "config"));
    },
  },
  agent: {
    usage:
      "netronome agent [--host <addr>] [--port <n>] [--interface <name>] [--api-key <key>]\n" +
      "                [--disk-include <glob>]… [--disk-exclude <glob>]… [--disable-system-metrics]\n" +
      "                [--disable-measurements] [--log-level <level>]",
    summary: "Run the monitoring agent that a Netronome hub connects to",
    details: [
      "Serves live bandwidth (vnstat, else /proc/net/dev), vnstat history, peaks, system and hardware details over",
      "HTTP for a hub, and runs the speed tests, traceroutes and packet-loss probes the hub asks for (with an API key).",
      "Flags override the [agent] section of the config file and NETRONOME__AGENT_* variables.",
      "",
      "  -H, --host <addr>          address to listen on (default 0.0.0.0)",
      "  -p, --port <n>             port (default 8200)",
      "  -i, --interface <name>     interface for live bandwidth (default: the default route's)",
      "  -k, --api-key <key>        key hubs must send in X-API-Key (prefer the config file: flags show in ps)",
      "      --disk-include <glob>  always report matching mounts (repeatable, or a comma list)",
      "      --disk-exclude <glob>  hide matching mounts (repeatable, or a comma list)",
      "      --disable-system-metrics  serve bandwidth only (no /system/info, /system/hardware)",
      "      --disable-measurements    run no speed tests, traceroutes or probes for the hub",
      "  -l, --log-level <level>    trace, debug, info, warn, error, fatal or panic",
    ].join("\n"),
    flags: [...AGENT_COMMAND_FLAGS],
    run: async (args) => {
      noPositionals(args, "agent");
      const { agent } = await import("./agent");
      return agent(args);
    },
  },
  "generate-config": {
    usage: "netronome generate-config [--path <file>]",
    summary: "Write a default config.toml",
    details:
      "Writes every section with its defaults and a random session secret to ~/.config/netronome/config.toml\n(or --path). Refuses to overwrite an existing file.",
    flags: ["path"],
    run: async (args) => {
      noPositionals(args, "generate-config");
      const { generateConfig } = await import("./generate-config");
      console.log(`wrote ${generateConfig(stringFlag(args, "path"))}`);
      return 0;
    },
  },
  "create-user": {
    usage: "netronome create-user <username> [--role admin|viewer]",
    summary: "Create a user account (an admin unless --role viewer)",
    details: [
      "Reads the password from the terminal without echo, or from stdin:",
      "  echo 'secret' | netronome create-user alice",
      "",
      "  --role <role>   admin (default: may change anything) or viewer (may look, not change)",
    ].join("\n"),
    flags: ["role"],
    run: async (args) => {
      const role = stringFlag(args, "role") ?? "admin";
      if (role !== "admin" && role !== "viewer") throw new UsageError(`--role must be admin or viewer (got "${role}")`);
      const { createUser } = await import("./users");
      console.log(await createUser(stringFlag(args, "config"), onePositional(args, "create-user", "username"), role));
      return 0;
    },
  },
  "change-password": {
    usage: "netronome change-password <username>",
    summary: "Change a user's password",
    details:
      "Reads the new password from the terminal without echo, or from stdin. Signs out the user's existing sessions.",
    flags: [],
    run: async (args) => {
      const { changePassword } = await import("./users");
      console.log(await changePassword(stringFlag(args, "config"), onePositional(args, "change-password", "username")));
      return 0;
    },
  },
  update: {
    usage: "netronome update [--check] [--rollback] [--restart[=<unit>]]",
    summary: "Update this executable to the latest release",
    details: [
      "Asks the GitHub releases API ([update] api_url, [update] repository) for the latest release, downloads the",
      "archive for this platform, verifies its SHA-256 against the release's checksums file and that file's Ed25519",
      "signature (a build with a signing key refuses unsigned releases), runs the new executable's `version`, then",
      "replaces this executable atomically and keeps the old one beside it as <executable>.previous.",
      "",
      "  --check            only report whether a newer release exists",
      "  --rollback         swap back to the executable the last update replaced",
      "  --restart          afterwards restart the systemd services that run this executable",
      "  --restart=<unit>   afterwards restart that systemd unit if it runs (launchd label on macOS)",
      "",
      "Exit status 0 when updated or already up to date; 1 when anything failed (the executable is then untouched).",
    ].join("\n"),
    flags: ["check", "rollback", "restart"],
    run: async (args) => {
      noPositionals(args, "update");
      const bool = (name: string) => {
        const v = args.flags.get(name);
        if (v !== undefined && v !== true) throw new UsageError(`option --${name} takes no value`);
        return v === true;
      };
      const { update } = await import("./update");
      return update(stringFlag(args, "config"), {
        check: bool("check"),
        rollback: bool("rollback"),
        restart: args.flags.get("restart") ?? false,
      });
    },
  },
  version: {
    usage: "netronome version",
    summary: "Print version, commit, build date, Bun version and os/arch",
    details: "",
    flags: [],
    run: async (args) => {
      noPositionals(args, "version");
      const { versionText } = await import("./version");
      console.log(versionText());
      return 0;
    },
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "Netronome: network performance testing and monitoring.",
    "",
    "Usage: netronome [--config <path>] <command> [options]",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    GLOBAL_HELP,
    "",
    "Run `netronome <command> --help` for details.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [`Usage: ${c.usage}`, "", `${c.summary}.`, c.details, "", GLOBAL_HELP].join("\n");
}

export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.command === "help") {
      const target = args.positionals[0];
      if (target && !commands[target]) throw new UsageError(`unknown command "${target}"`);
      console.log(target ? commandHelp(commands[target]!) : mainHelp());
      return 0;
    }
    if (args.flags.get("version") === true && !args.command) {
      const { versionText } = await import("./version");
      console.log(versionText());
      return 0;
    }
    const name = args.command ?? "serve";
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}" (run \`netronome --help\`)`);
    if (args.help) {
      console.log(args.command ? commandHelp(command) : mainHelp());
      return 0;
    }
    allowFlags(args, name, command.flags);
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`netronome: ${e.message}`);
      return 2;
    }
    // Anything else, a configuration error included, is reported by its message alone, without a stack.
    console.error(`netronome: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
