/**
 * The route map on one screen: every feature plugin, and which of them are
 * public. Services are wired here, once.
 */
import { Elysia } from "elysia";
import { authPlugin, signInPage } from "../auth/auth.plugin";
import { createAuthRepository } from "../auth/auth.repository";
import { createAuthService } from "../auth/auth.service";
import { identityResolver, sessionCredentials } from "../auth/identity";
import { LoginThrottle } from "../auth/login-throttle";
import { sessionPlugin } from "../auth/session.plugin";
import { sessionsApi } from "../auth/sessions.plugin";
import { scheduleSessionPruning } from "../auth/sessions.pruning";
import { createSessionsRepository } from "../auth/sessions.repository";
import { createSessionsService } from "../auth/sessions.service";
import { createSignIns } from "../auth/sign-ins";
import { Bus } from "../core/bus";
import { parseDuration } from "../core/duration";
import { htmlResponse } from "../core/html";
import { parseRanges } from "../core/net";
import { createSecretBox } from "../core/secret-box";
import { dashboardPlugin } from "../dashboard/dashboard.plugin";
import { diagnosticsPages } from "../diagnostics/diagnostics.pages";
import { GeoIp } from "../diagnostics/geoip";
import { monitorsPlugin } from "../diagnostics/monitors/monitors.plugin";
import { createMonitorsRepository } from "../diagnostics/monitors/monitors.repository";
import { createMonitorsService } from "../diagnostics/monitors/monitors.service";
import { monitorSnapshotSse } from "../diagnostics/monitors/monitors.sse";
import { traceroutePlugin } from "../diagnostics/traceroute/traceroute.plugin";
import { createTracerouteService } from "../diagnostics/traceroute/traceroute.service";
import { createHistoryRepository } from "../history/history.repository";
import { retentionRules, scheduleRetention } from "../history/retention";
import { createAgentHistoryRepository } from "../hub/agent-history.repository";
import { agentRetentionRules } from "../hub/agent-retention";
import { AgentSupervisor } from "../hub/agent-supervisor";
import { agentsPages } from "../hub/agents.pages";
import { agentsApi } from "../hub/agents.plugin";
import { createAgentsRepository } from "../hub/agents.repository";
import { createAgentsService } from "../hub/agents.service";
import { createLocalExecutor } from "../measure/executor";
import { createProviders } from "../measure/providers/registry";
import { createDeliveries, DEFAULT_DELIVERY, type DeliveryOptions } from "../notify/delivery";
import { builtInNotifications } from "../notify/legacy";
import { notifyPages } from "../notify/notify.pages";
import { notifyApi } from "../notify/notify.plugin";
import { createNotifyRepository } from "../notify/notify.repository";
import { createNotifyService } from "../notify/notify.service";
import { Scheduler } from "../scheduler/scheduler";
import { Semaphore } from "../scheduler/semaphore";
import { settingsPlugin } from "../settings/settings.plugin";
import { createIperfServersService } from "../speedtest/iperf-servers.service";
import { schedulesPlugin } from "../speedtest/schedules.plugin";
import { createSchedulesService } from "../speedtest/schedules.service";
import { speedtestPages } from "../speedtest/speedtest.pages";
import { speedtestApi } from "../speedtest/speedtest.plugin";
import { createSpeedtestRepository } from "../speedtest/speedtest.repository";
import { createSpeedtestService } from "../speedtest/speedtest.service";
import { speedtestSnapshotSse } from "../speedtest/speedtest.sse";
import { assetsPlugin } from "./assets";
import { MAX_BODY_BYTES } from "./body";
import { clientResolver } from "./client";
import type { AppContext } from "./context";
import { errorsPlugin } from "./errors.plugin";
import type { AppEvent } from "./events";
import { eventsPlugin } from "./events.plugin";
import { healthPlugin } from "./health.plugin";
import { originGuard } from "./origin-guard";
import { pageContextFactory } from "./page-context";

export interface AppOptions {
  /** Delivery timing and service origins for notifications (tests point channels at local receivers). */
  delivery?: Partial<DeliveryOptions>;
}

export async function createApp(ctx: AppContext, options: AppOptions = {}) {
  const bus = new Bus<AppEvent>();
  const scheduler = new Scheduler({ timezone: ctx.config.server.timezone, log: ctx.log.child("scheduler") });

  // Every measurement runs through the executor: on this machine today.
  const executor = createLocalExecutor({
    providers: createProviders({ speedtest: ctx.config.speedtest, dir: ctx.loaded.dir }),
  });
  // Shared by traceroute hops and MTR hop data in monitor results.
  const geoip = new GeoIp(ctx.config.geoip, ctx.log.child("geoip"));
  const traceroute = createTracerouteService({
    settings: ctx.config.traceroute,
    executor,
    geoip,
    log: ctx.log.child("traceroute"),
  });

  const sessionsRepo = createSessionsRepository(ctx.db);
  const auth = createAuthService({
    users: createAuthRepository(ctx.db),
    sessions: sessionsRepo,
    throttle: new LoginThrottle(),
  });
  const speedtestRepo = createSpeedtestRepository(ctx.db);
  const iperfServers = createIperfServersService(speedtestRepo);
  const speedtest = createSpeedtestService({
    repo: speedtestRepo,
    iperfServers,
    executor,
    bus,
    // One test at a time on this machine: manual tests and schedules share the slot.
    slot: new Semaphore(1),
    log: ctx.log.child("speedtest"),
  });
  const schedules = createSchedulesService({
    repo: speedtestRepo,
    scheduler,
    speedtest,
    timezone: ctx.config.server.timezone,
    log: ctx.log.child("schedules"),
  });

  const historyRepo = createHistoryRepository(ctx.db);
  const monitors = createMonitorsService({
    repo: createMonitorsRepository(ctx.db),
    history: historyRepo,
    scheduler,
    // Scheduled and manual monitor runs share [packetloss] max_concurrent_monitors; extra runs queue.
    group: new Semaphore(ctx.config.packetloss.max_concurrent_monitors),
    bus,
    executor,
    geoip,
    settings: ctx.config.packetloss,
    retention: ctx.config.retention,
    timezone: ctx.config.server.timezone,
    log: ctx.log.child("monitors"),
  });

  const notifyRepo = createNotifyRepository(ctx.db);
  const notifyLog = ctx.log.child("notify");
  const deliveries = createDeliveries(notifyRepo, notifyLog, { ...DEFAULT_DELIVERY, ...options.delivery });
  const notify = createNotifyService({
    repo: notifyRepo,
    deliveries,
    builtIn: builtInFromConfig(ctx),
    timezone: ctx.config.server.timezone,
    log: notifyLog,
  });
  let stopNotify: (() => void) | undefined;

  const secret = await auth.sessionSecret(ctx.config.session.session_secret);
  // Agents' API keys are stored encrypted under a key derived from the session secret.
  const agentSecrets = createSecretBox(secret, "agent api keys");
  const agentsRepo = createAgentsRepository(ctx.db);
  const agentHistory = createAgentHistoryRepository(ctx.db);
  const supervisor = new AgentSupervisor({
    repo: agentsRepo,
    scheduler,
    bus,
    secrets: agentSecrets,
    monitor: ctx.config.monitor,
    log: ctx.log.child("agents"),
  });
  const agents = createAgentsService({
    repo: agentsRepo,
    history: agentHistory,
    supervisor,
    secrets: agentSecrets,
    monitor: ctx.config.monitor,
    retention: ctx.config.retention,
  });
  const base = ctx.config.server.base_url;
  // The socket peer comes from the server the app listens on (app.server, set by listen), never from what Elysia
  // infers a handler wants: "the client" of a request is worked out here, once (client.ts).
  const clientOf = clientResolver(
    parseRanges(ctx.config.server.trusted_proxies),
    (request) => app.server?.requestIP(request)?.address ?? null,
  );
  const sessions = createSessionsService({
    repo: sessionsRepo,
    secret,
    timeouts: {
      idleMs: parseDuration(ctx.config.session.idle_timeout)!,
      absoluteMs: parseDuration(ctx.config.session.absolute_timeout)!,
    },
    log: ctx.log.child("sessions"),
  });
  const signIns = createSignIns({ base, sessions, clientOf });
  const identify = identityResolver({
    resolvers: [sessionCredentials(sessions)],
    whitelist: parseRanges(ctx.config.auth.whitelist),
    clientOf,
  });
  const session = sessionPlugin(ctx, { identify, signIns, hasUsers: () => auth.hasUsers() });
  const page = pageContextFactory(ctx);

  const signIn = signInPage(ctx, page);
  const app = new Elysia({
    prefix: base,
    serve: {
      // Once an account exists, Bun's router answers GET /login with the static sign-in page by itself. Before that
      // (first run), the Elysia route sends visitors to registration.
      routes: (await auth.hasUsers()) ? { [`${base}/login`]: { GET: htmlResponse(signIn) } } : {},
      // No route takes more (server/body.ts); routes read their bodies themselves, within their own limits.
      maxRequestBodySize: MAX_BODY_BYTES,
    },
  })
    .use(errorsPlugin(ctx, page, clientOf))
    .use(originGuard(ctx, clientOf))
    // Public: assets, health, sign-in and first-run registration (auth.routes marks its own protected API routes).
    .use(assetsPlugin)
    .use(healthPlugin(ctx))
    .use(authPlugin(ctx, { auth, signIns, session, page, signIn }))
    // Everything below requires a session: each route opts into the `page` or `api` guard.
    .use(sessionsApi(ctx, { sessions, signIns, session }))
    .use(
      eventsPlugin(ctx, bus, session, async () => [
        speedtestSnapshotSse(speedtest.snapshot()),
        monitorSnapshotSse(await monitors.liveRuns()),
      ]),
    )
    .use(dashboardPlugin(ctx, speedtestRepo, monitors, session, page))
    .use(speedtestApi(ctx, speedtest, speedtestRepo, iperfServers, session))
    .use(speedtestPages(ctx, speedtest, speedtestRepo, schedules, iperfServers, session, page))
    .use(schedulesPlugin(ctx, schedules, session, page))
    .use(diagnosticsPages(ctx, session, page))
    .use(monitorsPlugin(ctx, monitors, session, page))
    .use(traceroutePlugin(ctx, traceroute, geoip, session, page))
    .use(agentsApi(ctx, agents, session))
    .use(agentsPages(ctx, agents, session, page))
    .use(settingsPlugin(ctx, { auth, sessions, signIns, session, page }))
    .use(notifyApi(ctx, notify, session))
    .use(notifyPages(ctx, notify, session, page));

  return {
    app,
    services: { auth, sessions, speedtest, schedules, scheduler, bus, geoip, monitors, agents, notify },
    /** Starts background work (schedules); separate from construction so tests decide when time starts. */
    async start() {
      const restored = await schedules.restore();
      if (restored) ctx.log.info("schedules restored", { count: restored });
      const monitorsRestored = await monitors.restore();
      if (monitorsRestored) ctx.log.info("monitors restored", { count: monitorsRestored });
      stopNotify = await notify.start((listener) => bus.on(listener));
      const agentsRestored = await agents.restore();
      if (agentsRestored) ctx.log.info("agents connecting", { count: agentsRestored });
      scheduleRetention(
        scheduler,
        [
          ...retentionRules(ctx.config.retention, historyRepo, notifyRepo),
          ...agentRetentionRules(ctx.config.retention, agentHistory),
        ],
        ctx.log.child("retention"),
      );
      scheduleSessionPruning(scheduler, sessions);
    },
    /** Stops background work: running scheduled tests are aborted. */
    async stop() {
      speedtest.cancel();
      await supervisor.stopAll();
      await scheduler.stop();
      stopNotify?.();
      await deliveries.stop();
      await notify.flush();
    },
  };
}

/** The [notifications] section as a built-in channel; an unusable webhook_url stops the start with a clear message. */
function builtInFromConfig(ctx: AppContext) {
  const cfg = ctx.config.notifications;
  try {
    const builtIn = builtInNotifications(cfg);
    if (builtIn) ctx.log.info("notifications from [notifications]", { channel: builtIn.target.type.label });
    else if (cfg.enabled)
      ctx.log.warn("[notifications] enabled is true but webhook_url is empty: nothing is sent from it");
    return builtIn;
  } catch (e) {
    throw new Error(`[notifications] webhook_url: ${(e as Error).message.replace(/^url: /, "")}`);
  }
}
