/** A LibreSpeed server handed over by the hub: its failures name its URLs without the secret in its path. */
import { expect, test } from "bun:test";
import { givenServer, withoutSecret } from "../../../src/measure/providers/librespeed-catalog";
import { ProviderError } from "../../../src/measure/providers/provider";

const entry = {
  name: "Agent edge",
  server: "http://10.0.0.2:8200/librespeed/s3cret-api-key/",
  dlURL: "garbage",
  ulURL: "empty",
  pingURL: "empty",
  getIpURL: "getIP",
};

test("a failure naming the server's URLs loses the secret segment, every time it appears", () => {
  const server = givenServer(entry, "agent-3");
  expect(server.pingUrl).toBe("http://10.0.0.2:8200/librespeed/s3cret-api-key/empty");
  const error = new ProviderError(
    `LibreSpeed latency test failed: the server answered HTTP 502 for ${server.pingUrl}; again for ${server.pingUrl}`,
  );
  expect(withoutSecret(error, server)).toBe(error);
  expect(error.message).toBe(
    "LibreSpeed latency test failed: the server answered HTTP 502 for http://10.0.0.2:8200/librespeed/…/empty; " +
      "again for http://10.0.0.2:8200/librespeed/…/empty",
  );
  expect(error).toBeInstanceOf(ProviderError);
});

test("anything that is not an Error passes unchanged", () => {
  expect(withoutSecret("aborted", givenServer(entry))).toBe("aborted");
});
