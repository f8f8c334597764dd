/**
 * The reading side of Server-Sent Events (core/sse.ts writes them): an incremental parser fed with decoded text
 * as it arrives, following the WHATWG rules (lines end in CRLF, LF or CR; `data:` lines join with "\n"; a blank
 * line dispatches; lines starting with ":" are comments). A peer that never ends a line cannot grow memory
 * without bound: a line longer than `maxLineLength` is an error.
 */

export interface SseEvent {
  /** "message" when the event had no `event:` field. */
  event: string;
  data: string;
  id?: string;
}

export type SseItem = { kind: "event"; event: SseEvent } | { kind: "comment"; text: string };

export class SseLineTooLong extends Error {
  constructor(readonly limit: number) {
    super(`an event stream line is longer than ${limit} characters`);
  }
}

export class SseParser {
  private buffer = "";
  /** A CR ended the last chunk: an LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private event = "";
  private data: string[] = [];
  private id: string | undefined;

  constructor(private readonly maxLineLength = 1 << 20) {}

  /** Parses a chunk and returns the complete events and comments in it, in order. */
  push(chunk: string): SseItem[] {
    const items: SseItem[] = [];
    let text = chunk;
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = "";
      this.line(line, items);
      if (c === 13) {
        if (i + 1 === text.length) this.pendingCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer += text.slice(start);
    if (this.buffer.length > this.maxLineLength) throw new SseLineTooLong(this.maxLineLength);
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line.length > this.maxLineLength) throw new SseLineTooLong(this.maxLineLength);
    if (line === "") {
      if (this.data.length > 0)
        items.push({
          kind: "event",
          event: { event: this.event || "message", data: this.data.join("\n"), ...(this.id ? { id: this.id } : {}) },
        });
      this.event = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) {
      items.push({ kind: "comment", text: line.slice(1).trimStart() });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }
}
