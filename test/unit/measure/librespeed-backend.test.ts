/** The LibreSpeed-compatible backend as a handler: ckSize's rule, getIP's labels, the secret in the path. */
import { describe, expect, test } from "bun:test";
import { chunkCount, createLibreSpeedBackend, getIpBody } from "../../../src/measure/librespeed-backend";

const backend = createLibreSpeedBackend({ path: "/speed/test", secret: "s3cret-0123456789" });
const call = (path: string, init?: RequestInit, ip = "192.0.2.7") => {
  const request = new Request(`http://localhost${path}`, init);
  return backend.handle(request, new URL(request.url).pathname, ip);
};

describe("LibreSpeed backend", () => {
  test("ckSize counts when all digits and above 0, capped at 1024; anything else is 4", () => {
    expect([null, "", "0", "-3", "1.5", "2x", " 2", "abc"].map(chunkCount)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect(["1", "100", "1024", "1025", "99999999999"].map(chunkCount)).toEqual([1, 100, 1024, 1024, 1024]);
  });

  test("getIP labels local addresses as LibreSpeed does, and only with isp=true", () => {
    const label = (ip: string) => getIpBody(ip, true).processedString;
    expect(label("127.0.0.1")).toBe("127.0.0.1 - localhost IPv4 access");
    expect(label("::ffff:10.1.2.3")).toBe("10.1.2.3 - private IPv4 access");
    expect(label("172.31.0.1")).toBe("172.31.0.1 - private IPv4 access");
    expect(label("172.32.0.1")).toBe("172.32.0.1");
    expect(label("192.168.1.1")).toBe("192.168.1.1 - private IPv4 access");
    expect(label("169.254.9.9")).toBe("169.254.9.9 - link-local IPv4 access");
    expect(label("::1")).toBe("::1 - localhost IPv6 access");
    expect(label("fd00::5")).toBe("fd00::5 - ULA IPv6 access");
    expect(label("fe80::1")).toBe("fe80::1 - link-local IPv6 access");
    expect(label("2001:db8::1")).toBe("2001:db8::1");
    expect(getIpBody("10.0.0.1", false)).toEqual({ processedString: "10.0.0.1", rawIspInfo: "" });
  });

  test("it owns its path only; a wrong secret is a 404 like any unknown name", async () => {
    expect(backend.owns("/speed/test/x/garbage")).toBe(true);
    expect(backend.owns("/speed/testing/garbage")).toBe(false);
    expect(backend.owns("/speed/test")).toBe(false);
    for (const path of ["/speed/test/wrong/garbage", "/speed/test/s3cret-012345678/empty", "/speed/test/"])
      expect((await call(path)).status).toBe(404);
    const ip = await call("/speed/test/s3cret-0123456789/getIP?isp=true");
    expect(await ip.json()).toEqual({ processedString: "192.0.2.7", rawIspInfo: "" });
  });

  test("garbage is a stream of whole MiBs that stops when the client does", async () => {
    const res = await call("/speed/test/s3cret-0123456789/garbage?ckSize=1024");
    const reader = res.body!.getReader();
    let bytes = 0;
    while (bytes < 3 * 1024 * 1024) bytes += (await reader.read()).value!.byteLength;
    await reader.cancel();
    expect(bytes).toBe(3 * 1024 * 1024);
  });
});
