/**
 * The channel registry: every channel type once. Forms, labels, URL schemes and the API's type names all derive
 * from this list; adding a channel is one file and one line here.
 */
import { BadInput } from "../../core/errors";
import { badUrl, type ChannelField, type ChannelType, type ChannelValues } from "./channel";
import { discord } from "./discord";
import { email } from "./email";
import { gotify } from "./gotify";
import { matrix } from "./matrix";
import { ntfy } from "./ntfy";
import { pushover } from "./pushover";
import { slack } from "./slack";
import { teams } from "./teams";
import { telegram } from "./telegram";
import { webhook } from "./webhook";

export const CHANNEL_TYPES = [webhook, discord, slack, telegram, ntfy, gotify, pushover, teams, matrix, email] as const;
export type ChannelTypeId = (typeof CHANNEL_TYPES)[number]["id"];
export const CHANNEL_TYPE_IDS = CHANNEL_TYPES.map((c) => c.id) as [ChannelTypeId, ...ChannelTypeId[]];

const byId = new Map<string, ChannelType>(CHANNEL_TYPES.map((c) => [c.id, c]));
const byScheme = new Map<string, ChannelType>(CHANNEL_TYPES.flatMap((c) => c.schemes.map((s) => [s, c] as const)));

/** Longest accepted URL: a channel URL is configuration, not data. */
export const MAX_URL_LENGTH = 2048;
/** Shown in place of a secret. */
export const MASK = "••••••";

export function channelType(id: string): ChannelType {
  const c = byId.get(id);
  if (!c) throw new BadInput(`type: unknown channel type "${id}"`, "type");
  return c;
}

export interface ParsedChannel {
  type: ChannelType;
  values: ChannelValues;
}

/** Checks values the way a saved channel is checked: required fields present, then the type's own rules. */
export function checkValues(type: ChannelType, values: ChannelValues): ChannelValues {
  const clean: ChannelValues = {};
  for (const f of type.fields) {
    const v = (values[f.key] ?? "").trim();
    if (v.length > 1000) throw new BadInput(`${f.key}: at most 1000 characters`, f.key);
    if (f.required && v === "") throw new BadInput(`${f.key}: ${f.label} is required`, f.key);
    if (f.choices && v !== "" && !f.choices.includes(v))
      throw new BadInput(`${f.key}: one of ${f.choices.filter(Boolean).join(", ")}`, f.key);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters never belong in a setting
    if (/[\u0000-\u001f\u007f]/.test(v)) throw new BadInput(`${f.key}: control characters are not allowed`, f.key);
    clean[f.key] = v === "" && f.choices ? f.choices[0]! : v;
  }
  type.validate?.(clean);
  return clean;
}

/**
 * Reads a channel URL: a shoutrrr-style URL of any registered type, a service's own webhook URL (Discord, Slack,
 * Teams) or any other http(s) URL as a generic webhook. Throws BadInput naming what is wrong. For an existing
 * channel (`stored`), secrets left masked keep their stored values.
 */
export function parseChannelUrl(raw: string, stored?: { typeId: string; values: ChannelValues }): ParsedChannel {
  const text = raw.trim();
  if (text === "") throw badUrl("required");
  if (text.length > MAX_URL_LENGTH) throw badUrl(`at most ${MAX_URL_LENGTH} characters`);
  if (!URL.canParse(text)) throw badUrl("not a URL (expected e.g. discord://token@id or https://…)");
  const url = new URL(text);
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  let type: ChannelType | undefined;
  if (scheme === "http" || scheme === "https")
    type = CHANNEL_TYPES.find((c) => "matches" in c && c.matches(url)) ?? webhook;
  else type = byScheme.get(scheme);
  if (!type) throw badUrl(`unknown scheme "${scheme}://" (known: ${[...byScheme.keys(), "http", "https"].join(", ")})`);
  let values: ChannelValues;
  try {
    values = type.parse(url);
  } catch (e) {
    if (e instanceof BadInput) throw e;
    throw badUrl(`not a valid ${type.label} URL`);
  }
  if (stored?.typeId === type.id) values = mergeSecrets(type, values, stored.values);
  return { type, values: checkValues(type, values) };
}

/** A secret field's value as pages and the API show it. */
export function maskValue(field: ChannelField, value: string): string {
  const secret = field.secret;
  if (!secret || value === "") return value;
  if (field.mask) return field.mask(value, MASK);
  if (secret === true) return MASK;
  if (URL.canParse(value) && /^https?:/.test(value)) {
    const u = new URL(value);
    return u.pathname === "/" && !u.search && !u.username ? u.origin : `${u.origin}/${MASK}`;
  }
  return value.length > 6 ? `${value.slice(0, 3)}${MASK}` : MASK;
}

export function maskedValues(type: ChannelType, values: ChannelValues): ChannelValues {
  const out: ChannelValues = {};
  for (const f of type.fields) out[f.key] = maskValue(f, values[f.key] ?? "");
  return out;
}

/** The channel's URL with every secret masked. */
export function maskedUrl(type: ChannelType, values: ChannelValues): string {
  // Shown to people: the mask reads as dots, not as its percent-encoding.
  return type.format(maskedValues(type, values)).split(encodeURIComponent(MASK)).join(MASK);
}

/**
 * Values submitted for an existing channel: a secret left as it was shown (masked) or left empty keeps the stored
 * secret, so editing a channel never needs its secrets again.
 */
export function mergeSecrets(type: ChannelType, submitted: ChannelValues, stored: ChannelValues): ChannelValues {
  const out: ChannelValues = { ...submitted };
  const normal = (f: ChannelField, v: string | undefined) => (v ?? "").trim() || (f.choices?.[0] ?? "");
  const moved = type.fields.find((f) => f.destination && normal(f, submitted[f.key]) !== normal(f, stored[f.key]));
  for (const f of type.fields) {
    if (!f.secret) continue;
    const v = submitted[f.key] ?? "";
    const old = stored[f.key] ?? "";
    if (!(v === "" || v === maskValue(f, old) || safeDecode(v) === maskValue(f, old))) continue;
    if (moved && old !== "")
      throw new BadInput(
        `${f.key}: the ${moved.label.toLowerCase()} changed, so the stored ${f.label.toLowerCase()} is not sent ` +
          "there; enter it again",
        f.key,
      );
    out[f.key] = old;
  }
  return out;
}

function safeDecode(v: string): string {
  try {
    return decodeURI(v);
  } catch {
    return v;
  }
}

/** Every secret of these values, as it may appear in text (plain and URL-encoded), longest first. */
export function secretsOf(type: ChannelType, values: ChannelValues): string[] {
  const found = new Set<string>();
  for (const f of type.fields) {
    const v = values[f.key] ?? "";
    if (!f.secret || v.length < 4) continue;
    if (f.secret === "partial" && URL.canParse(v)) {
      const u = new URL(v);
      for (const part of [u.pathname.slice(1), u.search.slice(1), u.username, u.password])
        if (part.length >= 4) found.add(part);
      for (const seg of u.pathname.split("/")) if (seg.length >= 8) found.add(seg);
      for (const [, qv] of u.searchParams) if (qv.length >= 4) found.add(qv);
    } else {
      found.add(v);
    }
  }
  for (const s of [...found]) {
    found.add(encodeURIComponent(s));
    found.add(Buffer.from(s).toString("base64"));
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every secret in `text` (error messages, logs) with the mask. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(MASK);
  return out;
}
