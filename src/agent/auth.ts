/**
 * The agent's API key check. The key comes in the `X-API-Key` header or, for the original hub, the `apikey` query
 * parameter. Both sides are hashed before a constant-time comparison, so neither the key's content nor its length
 * shows in the response time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { API_KEY_HEADER, API_KEY_QUERY } from "../protocol/agent";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

export type KeyCheck = (request: Request, url: URL) => boolean;

/** A checker for `apiKey`; without a key every request passes. */
export function createKeyCheck(apiKey: string): KeyCheck {
  if (!apiKey) return () => true;
  const expected = digest(apiKey);
  return (request, url) => {
    const presented = request.headers.get(API_KEY_HEADER) ?? url.searchParams.get(API_KEY_QUERY);
    return presented !== null && timingSafeEqual(digest(presented), expected);
  };
}
