/** Labelled form controls with inline error messages. */
import { html, type SafeHtml } from "../../src/core/html";

export interface FieldOptions {
  name: string;
  label: string;
  type?: "text" | "password" | "number" | "search" | "time";
  value?: string | number | undefined;
  error?: string | undefined;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  autofocus?: boolean;
  placeholder?: string;
  min?: number;
  max?: number;
}

export function field(o: FieldOptions): SafeHtml {
  const id = `f-${o.name}`;
  const described = [o.hint ? `${id}-hint` : "", o.error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return html`<div class="field">
    <label for="${id}">${o.label}</label>
    <input id="${id}" name="${o.name}" type="${o.type ?? "text"}"${o.value !== undefined && o.type !== "password" ? html` value="${o.value}"` : ""}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ""}${o.placeholder ? html` placeholder="${o.placeholder}"` : ""}${o.min !== undefined ? html` min="${o.min}"` : ""}${o.max !== undefined ? html` max="${o.max}"` : ""}${o.required ? html` required` : ""}${o.autofocus ? html` autofocus` : ""}${o.error ? html` aria-invalid="true"` : ""}${described ? html` aria-describedby="${described}"` : ""} />
    ${o.hint ? html`<span class="hint" id="${id}-hint">${o.hint}</span>` : ""}
    ${o.error ? html`<span class="field-error" id="${id}-error">${o.error}</span>` : ""}
  </div>`;
}

export function alert(kind: "error" | "ok" | "info" | "warn", message: string | undefined): SafeHtml {
  if (!message) return html``;
  return html`<div class="alert alert-${kind}" role="${kind === "error" ? "alert" : "status"}">${message}</div>`;
}

/** Splits "field: message" errors from services into the field name and the text shown beside it. */
export function fieldErrors(error: { field?: string | undefined; message: string } | undefined): {
  form?: string;
  fields: Record<string, string>;
} {
  if (!error) return { fields: {} };
  if (!error.field) return { form: error.message, fields: {} };
  const text = error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
  return { fields: { [error.field]: text } };
}
