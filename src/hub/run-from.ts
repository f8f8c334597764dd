/**
 * "Run from": where a speed test, schedule, traceroute or monitor measures. In the JSON API it is `agentId` (an
 * agent's id, or null/absent for this server); in page forms and query strings it is `runFrom` ("" or "local" for
 * this server, else the agent's id); as a filter of history, charts and exports it is `agentId` ("local" for this
 * server's results only).
 */
import { t } from "elysia";
import { BadInput } from "../core/errors";
import { MAX_ROW_ID, rowId } from "../server/validation";

/** `agentId` in a JSON body: an agent's id, or null for this server. */
export const agentIdField = t.Optional(
  t.Union([rowId("agentId"), t.Null()], {
    error: `agentId: an agent's id (a whole number from 1 to ${MAX_ROW_ID}), or null for this server`,
  }),
);

/** `runFrom` of a form or query string: "" or "local" (this server), or an agent's id. */
export const runFromField = t.Optional(t.String({ maxLength: 12, error: "runFrom: at most 12 characters" }));

/** The agent a form's `runFrom` names, or null for this server; anything else is bad input. */
export function agentIdOf(value: string | undefined, field = "runFrom"): number | null {
  const text = (value ?? "").trim();
  if (text === "" || text === "local") return null;
  const id = Number(text);
  if (!/^\d+$/.test(text) || id < 1 || id > MAX_ROW_ID)
    throw new BadInput(`${field}: "this server" or one of the agents`, field);
  return id;
}

/** A history filter: every machine (undefined), this server only (null), or one agent. */
export type MachineFilter = number | null | undefined;

/** `agentId` as a history, chart or export filter: absent (all), "local", or an agent's id. */
export const agentFilterField = t.Optional(
  t.String({ maxLength: 12, error: 'agentId: an agent\'s id, or "local" for this server' }),
);

export function machineFilterOf(value: string | undefined): MachineFilter {
  if (value === undefined || value === "" || value === "all") return undefined;
  return agentIdOf(value, "agentId");
}
