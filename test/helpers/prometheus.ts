/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for checking /metrics: it throws on anything a
 * Prometheus server would reject or that the format discourages (a sample before its TYPE, a family declared twice,
 * a repeated series, a bad name, label or escape, a value that is not a float, a missing final newline).
 */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, readonly string[]> = {
  counter: ["", "_total"],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

function fail(line: number, message: string): never {
  throw new Error(`exposition line ${line}: ${message}`);
}

function unescapeText(text: string, allowed: string, line: number): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (!allowed.includes(c)) fail(line, `bad escape \\${c}`);
    return c === "n" ? "\n" : c;
  });
}

function parseValue(raw: string, line: number): number {
  if (raw === "NaN") return Number.NaN;
  if (raw === "+Inf") return Number.POSITIVE_INFINITY;
  if (raw === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) fail(line, `value "${raw}" is not a float`);
  return Number(raw);
}

/** Parses `name{a="x",b="y"} value [timestamp]`. */
function parseSample(text: string, line: number): ParsedSample {
  const name = text.match(NAME)?.[0];
  if (!name) fail(line, `bad metric name in "${text}"`);
  let rest = text.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const label = rest.match(LABEL_NAME)?.[0];
      if (!label) fail(line, `bad label name in "${text}"`);
      if (label in labels) fail(line, `label ${label} repeated`);
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) fail(line, `label ${label} lacks ="`);
      const value = rest.slice(2).match(/^((?:[^"\\\n]|\\.)*)"/);
      if (!value) fail(line, `unterminated value of label ${label}`);
      labels[label] = unescapeText(value[1]!, '\\"n', line);
      rest = rest.slice(2 + value[0].length);
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) fail(line, `expected , or } after label ${label}`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.split(" ");
  if (parts[0] !== "" || parts.length < 2 || parts.length > 3) fail(line, `expected " value [timestamp]" in "${text}"`);
  if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) fail(line, `bad timestamp "${parts[2]}"`);
  return { name, labels, value: parseValue(parts[1]!, line) };
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  text
    .slice(0, -1)
    .split("\n")
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw === "") return;
      const meta = raw.match(/^# (HELP|TYPE) ([^ ]+) ?(.*)$/);
      if (meta) {
        const [, kind, name, rest] = meta;
        if (!NAME.test(name!) || name!.match(NAME)![0] !== name) fail(line, `bad metric name ${name}`);
        let family = families.get(name!);
        if (!family) {
          family = { name: name!, help: "", type: "", samples: [] };
          families.set(name!, family);
        } else if (family !== current) fail(line, `family ${name} declared in two places`);
        if (kind === "HELP") {
          if (family.help) fail(line, `second HELP for ${name}`);
          family.help = unescapeText(rest!, "\\n", line);
        } else {
          if (family.type) fail(line, `second TYPE for ${name}`);
          if (family.samples.length) fail(line, `TYPE of ${name} after its samples`);
          if (!TYPES.has(rest!)) fail(line, `unknown type ${rest}`);
          family.type = rest!;
        }
        current = family;
        return;
      }
      if (raw.startsWith("#")) return;
      const sample = parseSample(raw, line);
      if (!current) fail(line, `sample ${sample.name} before any HELP/TYPE`);
      const suffix = sample.name.slice(current.name.length);
      if (!sample.name.startsWith(current.name) || !(SUFFIXES[current.type || "untyped"] ?? []).includes(suffix))
        fail(line, `sample ${sample.name} is not part of family ${current.name} (${current.type})`);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) fail(line, `series ${key} repeated`);
      series.add(key);
      current.samples.push(sample);
    });
  return families;
}
