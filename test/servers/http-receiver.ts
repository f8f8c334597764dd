/** A local HTTP server that records every request (for channel payload tests) and answers as told. */
import type { Server } from "bun";

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
  at: number;
}

export type Responder = (req: Received) => Response | Promise<Response> | "hang";

export class HttpReceiver {
  readonly requests: Received[] = [];
  private server: Server<undefined> | undefined;
  private readonly hanging: (() => void)[] = [];
  respond: Responder = () => Response.json({ ok: true });

  start(): this {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        const received: Received = {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body: await request.text(),
          at: Date.now(),
        };
        this.requests.push(received);
        const answer = await this.respond(received);
        if (answer !== "hang") return answer;
        // Never answers until the test ends (or the client gives up).
        return new Promise<Response>((resolve) => this.hanging.push(() => resolve(new Response("late"))));
      },
    });
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.server!.port}`;
  }

  get host(): string {
    return `127.0.0.1:${this.server!.port}`;
  }

  json(i = -1): unknown {
    const r = this.requests.at(i);
    if (!r) throw new Error(`no request #${i}; received ${this.requests.length}`);
    return JSON.parse(r.body);
  }

  /** Waits until `n` requests arrived (bounded). */
  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${this.requests.length}`);
      await Bun.sleep(10);
    }
  }

  async stop(): Promise<void> {
    for (const release of this.hanging.splice(0)) release();
    await this.server?.stop(true);
  }
}
