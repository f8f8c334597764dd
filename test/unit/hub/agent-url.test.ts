import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import { agentBaseUrl, agentEndpoint, normaliseAgentUrl } from "../../../src/hub/agent-url";

describe("agent URLs", () => {
  test.each([
    ["http://192.168.1.10:8200", "http://192.168.1.10:8200/events?stream=live-data"],
    ["http://192.168.1.10:8200/", "http://192.168.1.10:8200/events?stream=live-data"],
    ["http://192.168.1.10:8200/events?stream=live-data", "http://192.168.1.10:8200/events?stream=live-data"],
    ["  https://nas.example.com/agent/  ", "https://nas.example.com/agent/events?stream=live-data"],
    ["192.168.1.10:8200", "http://192.168.1.10:8200/events?stream=live-data"],
    ["nas.lan:8200", "http://nas.lan:8200/events?stream=live-data"],
    ["http://[fd00::10]:8200", "http://[fd00::10]:8200/events?stream=live-data"],
    ["HTTP://Nas.Lan:8200", "http://nas.lan:8200/events?stream=live-data"],
  ])("%p is stored as %p (the original's form)", (input, stored) => {
    expect(normaliseAgentUrl(input)).toBe(stored);
  });

  test.each([
    ["", "required"],
    ["ftp://nas:21", "http:// or https://"],
    ["javascript:alert(1)", "http:// or https://"],
    ["file:///etc/passwd", "http:// or https://"],
    ["http://user:pw@nas:8200", "user name or password"],
    ["http://nas:8200/?apikey=x", "query or fragment"],
    ["http://nas:8200/#x", "query or fragment"],
    ["http://nas 8200", "spaces"],
    [`http://nas/${"a".repeat(500)}`, "at most 500"],
  ])("%p is refused: %s", (input, problem) => {
    expect(() => normaliseAgentUrl(input)).toThrow(BadInput);
    expect(() => normaliseAgentUrl(input)).toThrow(problem);
  });

  test("endpoints are built from the base, query values escaped", () => {
    const stored = "http://nas:8200/sub/events?stream=live-data";
    expect(agentBaseUrl(stored)).toBe("http://nas:8200/sub");
    expect(agentEndpoint(stored, "/export/historical", { interface: "eth0&apikey=x" })).toBe(
      "http://nas:8200/sub/export/historical?interface=eth0%26apikey%3Dx",
    );
  });
});
