/**
 * What one notification says, independent of where it goes. Channels render it (embeds, cards, plain text,
 * HTML); nothing here knows a channel.
 */
import type { Category, EventKey, Operator } from "./catalogue";

/** How a notification is presented: colour, priority, icon. */
export type Severity = "info" | "warning" | "critical" | "resolved";

export interface Fact {
  label: string;
  value: string;
}

export interface Notice {
  event: EventKey;
  eventId: number;
  eventName: string;
  category: Category | "test";
  severity: Severity;
  /** One short line, e.g. "Download low: 150.2 Mbit/s". */
  title: string;
  /** One or two plain sentences. */
  message: string;
  /** What the notice is about: a speed-test server, a monitor, an agent. */
  subject: string;
  facts: Fact[];
  value: number | null;
  threshold: number | null;
  operator: Operator | null;
  unit: string | null;
  /** The condition cleared (a recovery message). */
  recovery: boolean;
  at: Date;
  /** Discord only: a user ID, or "&" and a role ID, to mention. */
  mention?: string;
  /** Every field of the event that caused the notice, for the generic webhook. */
  data: Record<string, unknown>;
}

export const SEVERITY_COLOR: Record<Severity, number> = {
  info: 0x3b82f6,
  warning: 0xf59e0b,
  critical: 0xef4444,
  resolved: 0x22c55e,
};

export const hexColor = (s: Severity) => `#${SEVERITY_COLOR[s].toString(16).padStart(6, "0")}`;

/** The notice as plain text: title, message, one fact per line. */
export function plainText(n: Notice, o: { title?: boolean } = {}): string {
  const lines = o.title === false ? [n.message] : [n.title, n.message];
  for (const f of n.facts) lines.push(`${f.label}: ${f.value}`);
  return lines.join("\n");
}

/** Escapes text for HTML-formatted channels (Telegram, Matrix, email). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The notice as simple HTML: bold title, message, facts. */
export function htmlText(n: Notice): string {
  const facts = n.facts.map((f) => `<br><b>${escapeHtml(f.label)}:</b> ${escapeHtml(f.value)}`).join("");
  return `<b>${escapeHtml(n.title)}</b><br>${escapeHtml(n.message)}${facts}`;
}

/** A number with at most `digits` decimals and no trailing zeros. */
export function formatNumber(v: number, digits = 1): string {
  return Number(v.toFixed(digits)).toString();
}
