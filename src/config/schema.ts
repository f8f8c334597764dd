/**
 * Every configuration key, its type, default, environment variable and meaning,
 * declared once: each section lives in sections/, assembled here in the order
 * `generate-config` and the README's table list them. Loading and validation
 * derive from this file too.
 */
import type { Field } from "./field";
import { agent, monitor } from "./sections/agents";
import { auth, oidc, session } from "./sections/auth";
import { database } from "./sections/database";
import { geoip, packetloss, traceroute } from "./sections/diagnostics";
import { librespeedServer } from "./sections/librespeed-server";
import { notifications } from "./sections/notifications";
import { retention } from "./sections/retention";
import { logging, pagination, server } from "./sections/server";
import { speedtest } from "./sections/speedtest";
import { update } from "./sections/update";

export const configSchema = {
  database,
  server,
  logging,
  session,
  auth,
  oidc,
  speedtest,
  pagination,
  geoip,
  traceroute,
  packetloss,
  retention,
  notifications,
  agent,
  librespeed_server: librespeedServer,
  monitor,
  update,
} as const;

type ConfigOf<S> = {
  readonly [K in keyof S]: S[K] extends Field<infer T>
    ? T extends readonly string[]
      ? readonly string[]
      : T
    : ConfigOf<S[K]>;
};
export type Config = ConfigOf<typeof configSchema>;

export interface SchemaNode {
  readonly [key: string]: Field<unknown> | SchemaNode;
}

export function isField(node: Field<unknown> | SchemaNode): node is Field<unknown> {
  return (node as Field<unknown>).kind === "field";
}

/** Walks every field with its dotted section path, in declaration order. */
export function* fields(
  node: SchemaNode = configSchema as SchemaNode,
  path: string[] = [],
): Generator<[string[], Field<unknown>]> {
  for (const [key, child] of Object.entries(node)) {
    if (isField(child)) yield [[...path, key], child];
    else yield* fields(child, [...path, key]);
  }
}

export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const [path, f] of fields()) setPath(out, path, Array.isArray(f.default) ? [...f.default] : f.default);
  return out as unknown as Config;
}

export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

export function getPath(source: unknown, path: string[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== "object" || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
