import { describe, expect, test } from "bun:test";
import { html, raw } from "../../src/core/html";

describe("html template tag", () => {
  test("escapes every interpolation by default", () => {
    const name = `<script>alert("x")</script>`;
    expect(html`<p>${name}</p>`.value).toBe("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>");
  });

  test("escapes attribute-breaking quotes", () => {
    const value = `" onmouseover="alert(1)`;
    expect(html`<input value="${value}">`.value).not.toContain('" onmouseover="');
  });

  test("nests template results without double escaping", () => {
    const inner = html`<b>${"a & b"}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe("<p><b>a &amp; b</b></p>");
  });

  test("renders arrays, numbers and skips null, undefined and booleans", () => {
    expect(html`${[1, "<", null, undefined, false, true, html`<i>x</i>`]}`.value).toBe("1&lt;<i>x</i>");
  });

  test("raw() is the explicit opt-in for trusted markup", () => {
    expect(html`${raw("<hr>")}`.value).toBe("<hr>");
  });
});
