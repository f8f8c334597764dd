/**
 * The reference the agent's footprint is compared with: the obvious way to write it, Elysia plus systeminformation,
 * serving the same live stream (1 Hz from /proc/net/dev) and /system/hardware. Listens on 127.0.0.1:$PORT.
 */
import { readFileSync } from "node:fs";
import { Elysia } from "elysia";
import si from "systeminformation";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error("PORT must be set to a port number");
  process.exit(2);
}

function counters(iface: string) {
  const line = readFileSync("/proc/net/dev", "utf8")
    .split("\n")
    .find((l) => l.trim().startsWith(`${iface}:`));
  const v = line?.split(":")[1]?.trim().split(/\s+/).map(Number) ?? [];
  return { rx: v[0] ?? 0, tx: v[8] ?? 0 };
}

const listeners = new Set<(line: string) => void>();
let last = counters("lo");
setInterval(() => {
  const now = counters("lo");
  const line = JSON.stringify({ rx: { bytespersecond: now.rx - last.rx }, tx: { bytespersecond: now.tx - last.tx } });
  last = now;
  for (const send of listeners) send(line);
}, 1000);

new Elysia()
  .get("/", () => ({ service: "monitor SSE agent" }))
  .get("/events", ({ request }) => {
    let send: (line: string) => void = () => {};
    const body = new ReadableStream<string>({
      start(controller) {
        send = (line) => controller.enqueue(`event: message\ndata: ${line}\n\n`);
        listeners.add(send);
      },
      cancel() {
        listeners.delete(send);
      },
    });
    request.signal.addEventListener("abort", () => listeners.delete(send));
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  })
  .get("/system/hardware", async () => {
    const [load, cpu, mem, disks, temps] = await Promise.all([
      si.currentLoad(),
      si.cpu(),
      si.mem(),
      si.fsSize(),
      si.cpuTemperature(),
    ]);
    return {
      cpu: { usage_percent: load.currentLoad, model: cpu.brand, cores: cpu.physicalCores },
      memory: mem,
      disks,
      temps,
    };
  })
  .listen({ hostname: "127.0.0.1", port });
