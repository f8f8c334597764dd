/** Page/limit handling shared by every list endpoint: defaults from [pagination], limit capped at max_page_size. */
import type { Config } from "../config/schema";

export interface PageWindow {
  page: number;
  limit: number;
  offset: number;
}

export function pageWindow(query: { page?: number; limit?: number }, cfg: Config["pagination"]): PageWindow {
  const page = Math.max(1, Math.floor(query.page ?? cfg.default_page));
  const limit = Math.max(1, Math.min(Math.floor(query.limit ?? cfg.default_page_size), cfg.max_page_size));
  return { page, limit, offset: (page - 1) * limit };
}
