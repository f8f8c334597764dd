/** The speed-test JSON API (original paths and fields); the Speed Test page and its fragments are in speedtest.pages.ts. */
import { Elysia } from "elysia";
import type { SessionPlugin } from "../auth/session.plugin";
import { pageWindow } from "../core/pagination";
import { canonicalRange, rangeStart } from "../core/time-range";
import type { AppContext } from "../server/context";
import type { IperfServersService } from "./iperf-servers.service";
import { chartPoints } from "./speedtest.chart";
import { CSV_COLUMNS, csvRow, resultJson } from "./speedtest.json";
import type { SpeedTestRow, SpeedtestRepository } from "./speedtest.repository";
import {
  chartQuery,
  exportQuery,
  historyQuery,
  idParams,
  iperfServerBody,
  serversQuery,
  TEST_TYPES,
  testOptions,
} from "./speedtest.schema";
import { iperfServerInfo, type SpeedtestService, TestCancelled } from "./speedtest.service";

const EXPORT_BATCH = 1000;

export function speedtestApi(
  ctx: AppContext,
  service: SpeedtestService,
  repo: SpeedtestRepository,
  iperfServers: IperfServersService,
  session: SessionPlugin,
) {
  return new Elysia({ name: "speedtest.api", seed: ctx.instanceId }).use(session).guard({ api: true }, (app) =>
    app
      .get(
        "/api/servers",
        ({ query, request }) => service.listServers(query.testType ?? TEST_TYPES[0], request.signal),
        {
          query: serversQuery,
        },
      )
      .post(
        "/api/speedtest",
        async ({ body, status }) => {
          const { done } = await service.start(body, { scheduled: false });
          try {
            return resultJson(await done);
          } catch (e) {
            if (e instanceof TestCancelled) return status(409, { error: "cancelled", message: e.message });
            throw e;
          }
        },
        { body: testOptions },
      )
      .post("/api/speedtest/cancel", () => ({ cancelled: service.cancel() }))
      .get("/api/speedtest/status", () => {
        const now = service.current();
        if (!now) return { type: "idle", isComplete: true, progress: 0 };
        return {
          type: now.progress?.phase ?? "latency",
          testType: now.run.testType,
          serverName: now.run.serverName,
          speed: now.progress?.mbps ?? 0,
          latency: now.progress?.latencyMs ?? null,
          progress: now.progress?.percent ?? 0,
          isComplete: false,
          isScheduled: now.run.isScheduled,
        };
      })
      .get(
        "/api/speedtest/history",
        async ({ query }) => {
          const w = pageWindow(query, ctx.config.pagination);
          const range = query.timeRange ?? ctx.config.pagination.default_time_range;
          const { rows, total } = await repo.history(
            { since: rangeStart(range), testType: query.testType, serverId: query.serverId },
            w.limit,
            w.offset,
          );
          return { data: rows.map(resultJson), total, page: w.page, limit: w.limit };
        },
        { query: historyQuery },
      )
      .get(
        "/api/speedtest/history/export",
        ({ query }) => {
          const format = query.format ?? "csv";
          const range = canonicalRange(query.timeRange ?? "all");
          const since = rangeStart(range);
          const encoder = new TextEncoder();
          // Streamed in batches so a long history never sits in memory at once.
          const body = new ReadableStream<Uint8Array>({
            async start(stream) {
              stream.enqueue(encoder.encode(format === "csv" ? `${CSV_COLUMNS.join(",")}\r\n` : "["));
              let afterId = 0;
              let first = true;
              for (;;) {
                const rows = await repo.chronological({ since }, EXPORT_BATCH, afterId);
                for (const r of rows) {
                  stream.enqueue(
                    encoder.encode(
                      format === "csv" ? csvRow(r) : `${first ? "" : ","}\n${JSON.stringify(resultJson(r))}`,
                    ),
                  );
                  first = false;
                }
                if (rows.length < EXPORT_BATCH) break;
                afterId = rows[rows.length - 1]!.id;
              }
              if (format === "json") stream.enqueue(encoder.encode("\n]\n"));
              stream.close();
            },
          });
          const stamp = new Date().toISOString().slice(0, 10);
          return new Response(body, {
            headers: {
              "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
              "content-disposition": `attachment; filename="netronome-speedtests-${range}-${stamp}.${format}"`,
            },
          });
        },
        { query: exportQuery },
      )
      .get(
        "/api/speedtest/chart",
        async ({ query }) => {
          const range = canonicalRange(query.timeRange ?? ctx.config.pagination.default_time_range);
          const rows: SpeedTestRow[] = [];
          const filter = { since: rangeStart(range), serverId: query.serverId };
          for (let afterId = 0; ; ) {
            const batch = await repo.chronological(filter, EXPORT_BATCH, afterId);
            rows.push(...batch);
            if (batch.length < EXPORT_BATCH) break;
            afterId = batch[batch.length - 1]!.id;
          }
          // The chart spans the whole range, so a quiet week looks like one, not like a zoomed-in day.
          return { timeRange: range, from: filter.since?.getTime() ?? null, to: Date.now(), points: chartPoints(rows) };
        },
        { query: chartQuery },
      )
      .get("/api/iperf/servers", async () => (await iperfServers.list()).map(iperfServerJson))
      .post(
        "/api/iperf/servers",
        async ({ body, status }) =>
          status(201, { message: "server saved", server: iperfServerJson(await iperfServers.save(body)) }),
        { body: iperfServerBody },
      )
      .delete(
        "/api/iperf/servers/:id",
        async ({ params }) => {
          await iperfServers.remove(params.id);
          return { message: "server deleted" };
        },
        { params: idParams },
      ),
  );
}

function iperfServerJson(s: Parameters<typeof iperfServerInfo>[0]) {
  return {
    id: s.id,
    name: s.name,
    host: s.host,
    port: s.port,
    createdAt: s.createdAt.toISOString(),
    serverId: iperfServerInfo(s).id,
  };
}
