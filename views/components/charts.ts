/** Pieces shared by the history charts: the time-range buttons and the row of live figures. */
import { html } from "../../src/core/html";

const RANGES = [
  ["1d", "24 hours"],
  ["3d", "3 days"],
  ["1w", "1 week"],
  ["1m", "1 month"],
  ["all", "All"],
] as const;

/** Buttons for the chart's Alpine component: `range` marks the pressed one, `setRange(id)` switches. */
export function rangeButtons() {
  return html`<div class="segmented" role="group" aria-label="Time range">
    ${RANGES.map(([id, label]) => html`<button type="button" :aria-pressed="range === '${id}'" @click="setRange('${id}')">${label}</button>`)}
  </div>`;
}

export interface LiveFigure {
  label: string;
  /** Alpine expression giving the shown text. */
  text: string;
  unit?: string;
}

/** Labelled figures filled in by the page's Alpine component; "–" until it has a value. */
export function liveFigures(figures: readonly LiveFigure[], extraClass = "") {
  return html`<dl class="live-figures${extraClass ? ` ${extraClass}` : ""}">
    ${figures.map(
      (f) =>
        html`<div><dt>${f.label}</dt><dd><span x-text="${f.text}">–</span>${f.unit ? html` <small>${f.unit}</small>` : ""}</dd></div>`,
    )}
  </dl>`;
}
