/** Pieces shared by the history charts: the time-range buttons and the row of live figures. */
import { html } from "../../src/core/html";

/** Short labels, so that seven ranges fit a phone's width; the long form is the accessible name. */
const RANGES = [
  ["1h", "1h", "1 hour"],
  ["6h", "6h", "6 hours"],
  ["1d", "24h", "24 hours"],
  ["3d", "3d", "3 days"],
  ["1w", "1w", "1 week"],
  ["1m", "1m", "1 month"],
  ["all", "All", "All history"],
] as const;

/** Buttons for the chart's Alpine component: `range` marks the pressed one, `setRange(id)` switches. */
export function rangeButtons() {
  return html`<div class="segmented" role="group" aria-label="Time range">
    ${RANGES.map(([id, short, long]) => html`<button type="button" aria-label="${long}" title="${long}" :aria-pressed="range === '${id}'" @click="setRange('${id}')">${short}</button>`)}
  </div>`;
}

export interface LiveFigure {
  label: string;
  /** Alpine expression giving the shown text. */
  text: string;
  unit?: string;
  /** Alpine expression giving the unit, for units that change with the value (Mbit/s, Gbit/s). */
  unitText?: string;
  /** Alpine expression: the figure is shown only while it is true. */
  show?: string;
}

/** Labelled figures filled in by the page's Alpine component; "–" until it has a value. */
export function liveFigures(figures: readonly LiveFigure[], extraClass = "") {
  return html`<dl class="live-figures${extraClass ? ` ${extraClass}` : ""}">
    ${figures.map(
      (f) =>
        html`<div${f.show ? html` x-show="${f.show}" x-cloak` : ""}><dt>${f.label}</dt><dd><span x-text="${f.text}">–</span>${
          // A unit beside "–" reads as a value; it shows once there is one.
          f.unitText
            ? html` <small x-show="(${f.text}) !== '–'" x-text="${f.unitText}" x-cloak></small>`
            : f.unit
              ? html` <small x-show="(${f.text}) !== '–'" x-cloak>${f.unit}</small>`
              : ""
        }</dd></div>`,
    )}
  </dl>`;
}
