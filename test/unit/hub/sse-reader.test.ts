import { describe, expect, test } from "bun:test";
import { SseLineTooLong, SseParser } from "../../../src/core/sse-reader";

const events = (items: ReturnType<SseParser["push"]>) => items.flatMap((i) => (i.kind === "event" ? [i.event] : []));

describe("SseParser", () => {
  test("reads vnstat-style messages with an event name, and comments (heartbeats)", () => {
    const p = new SseParser();
    const items = p.push(': connected\n\nevent: message\ndata: {"index":1}\n\n: keepalive\n\n');
    expect(items).toEqual([
      { kind: "comment", text: "connected" },
      { kind: "event", event: { event: "message", data: '{"index":1}' } },
      { kind: "comment", text: "keepalive" },
    ]);
  });

  test("joins multi-line data, defaults the event name, keeps the id", () => {
    const p = new SseParser();
    expect(events(p.push("id: 7\ndata: a\ndata:b\n\n"))).toEqual([{ event: "message", data: "a\nb", id: "7" }]);
  });

  test("accepts CRLF and CR line ends, also when a chunk ends between CR and LF", () => {
    const p = new SseParser();
    expect(events(p.push("data: one\r"))).toEqual([]);
    expect(events(p.push("\n\r\ndata: two\r\r"))).toEqual([
      { event: "message", data: "one" },
      { event: "message", data: "two" },
    ]);
  });

  test("an event split across many chunks comes out once, whole", () => {
    const p = new SseParser();
    const text = 'event: message\ndata: {"rx":{"bytespersecond":12}}\n\n';
    const out = [...text].flatMap((c) => events(p.push(c)));
    expect(out).toEqual([{ event: "message", data: '{"rx":{"bytespersecond":12}}' }]);
  });

  test("an event without data is not dispatched; unknown fields are ignored", () => {
    const p = new SseParser();
    expect(events(p.push("event: ping\nretry: 10\nfoo: bar\n\n"))).toEqual([]);
  });

  test("a line that never ends cannot grow memory: it is an error past the limit", () => {
    const p = new SseParser(1000);
    p.push("data: ".padEnd(900, "x"));
    expect(() => p.push("x".repeat(200))).toThrow(SseLineTooLong);
  });
});
