/**
 * "Run from": the choice of machine in every measurement form (this server, or one agent), and how a result or a
 * monitor names where it ran. Shown only once agents exist, so a single-machine install sees no extra field.
 */
import { html, type SafeHtml } from "../../src/core/html";

export interface MachineChoice {
  id: number;
  name: string;
  /** Connected and able to measure (an agent of an older version, or without a key, is not). */
  ready: boolean;
  /** Why it is not ready, in a few words ("offline", "disabled", "no measurements"). */
  note?: string;
}

/** The machine's name for a result or monitor: "this server", the agent's name, or that it was removed. */
export function machineName(choices: readonly MachineChoice[], agentId: number | null, storedName?: string | null) {
  if (agentId === null) return "this server";
  return choices.find((c) => c.id === agentId)?.name ?? storedName ?? `agent ${agentId} (removed)`;
}

/** A `runFrom` select (empty without agents); `model` binds it to an Alpine property. */
export function runFromSelect(
  choices: readonly MachineChoice[],
  selected: number | null,
  o: { id: string; model?: string; hint?: string; problem?: SafeHtml | string } = { id: "run-from" },
) {
  if (choices.length === 0) return "";
  return html`<div class="field run-from">
    <label for="${o.id}">Run from</label>
    <select id="${o.id}" name="runFrom"${o.model ? html` x-model="${o.model}"` : ""}>
      <option value="" ${selected === null ? html`selected` : ""}>This server</option>
      ${choices.map(
        (c) =>
          html`<option value="${c.id}" ${c.id === selected ? html`selected` : ""}>${c.name}${c.ready ? "" : ` (${c.note ?? "unavailable"})`}</option>`,
      )}
    </select>
    ${o.hint ? html`<span class="hint">${o.hint}</span>` : ""}
    ${o.problem ?? ""}
  </div>`;
}
