/** Defence-in-depth headers on every response. */
import { Elysia } from "elysia";

// Alpine and htmx evaluate attribute expressions, hence 'unsafe-eval'; no inline <script> is ever needed.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const securityHeaders = new Elysia({ name: "security-headers" }).onRequest(({ set }) => {
  set.headers["x-content-type-options"] = "nosniff";
  set.headers["referrer-policy"] = "same-origin";
  set.headers["x-frame-options"] = "DENY";
  set.headers["content-security-policy"] = CSP;
});
