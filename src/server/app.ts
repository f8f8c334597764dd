/**
 * The route map on one screen: every feature plugin, and which of them are
 * public. Services are wired here, once.
 */
import { Elysia } from "elysia";
import { authPlugin, signInOptions, signInPage } from "../auth/auth.plugin";
import { createAuthRepository } from "../auth/auth.repository";
import { createAuthService } from "../auth/auth.service";
import { identityResolver, sessionCredentials } from "../auth/identity";
import { LoginThrottle } from "../auth/login-throttle";
import { createOidcDiscovery } from "../auth/oidc/oidc.discovery";
import { oidcPlugin } from "../auth/oidc/oidc.plugin";
import { createOidcService } from "../auth/oidc/oidc.service";
import { sessionPlugin } from "../auth/session.plugin";
import { sessionsApi } from "../auth/sessions.plugin";
import { scheduleSessionPruning } from "../auth/sessions.pruning";
import { createSessionsRepository } from "../auth/sessions.repository";
import { createSessionsService } from "../auth/sessions.service";
import { createSignIns } from "../auth/sign-ins";
import { tokensApi } from "../auth/tokens/tokens.plugin";
import { createTokensRepository } from "../auth/tokens/tokens.repository";
import { createTokensService } from "../auth/tokens/tokens.service";
import { usersApi } from "../auth/users/users.plugin";
import { createUsersService } from "../auth/users/users.service";
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
import { Machines } from "../hub/machines";
import { createLocalExecutor } from "../measure/executor";
import { LIBRESPEED_MAX_UPLOAD_BYTES } from "../measure/librespeed-backend";
import { createProviders } from "../measure/providers/registry";
import { metricsPlugin } from "../metrics/metrics.plugin";
import { createDeliveries, DEFAULT_DELIVERY, type DeliveryOptions } from "../notify/delivery";
import { builtInNotifications } from "../notify/legacy";
import { notifyPages } from "../notify/notify.pages";
import { notifyApi } from "../notify/notify.plugin";
import { createNotifyRepository } from "../notify/notify.repository";
import { createNotifyService } from "../notify/notify.service";
import { Scheduler } from "../scheduler/scheduler";
import { settingsPlugin } from "../settings/settings.plugin";
import { tokensPages } from "../settings/tokens.pages";
import { usersPages } from "../settings/users.pages";
import { createIperfServersService } from "../speedtest/iperf-servers.service";
import { hubLibreSpeedRoutes } from "../speedtest/librespeed-endpoint";
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

/** Refused bearer tokens one client may send per window before it gets 429 without a lookup. */
const BEARER_FAILURES = 30;
const BEARER_WINDOW_MS = 15 * 60_000;

export interface AppOptions {
  /** Delivery timing and service origins for notifications (tests point channels at local receivers). */
  delivery?: Partial<DeliveryOptions>;
  /** How often an open /events stream checks that its session still exists (tests shorten it). */
  eventsSessionCheckMs?: number;
  /** How soon single sign-on discovery retries (tests shorten it). */
  oidcDiscovery?: { retry: { firstMs: number; lastMs: number } };
  /** The clock ID tokens and single sign-on flows are checked against (tests move it). */
  now?: () => number;
}

export async function createApp(ctx: AppContext, options: AppOptions = {}) {
  const bus = new Bus<AppEvent>();
  const scheduler = new Scheduler({ timezone: ctx.config.server.timezone, log: ctx.log.child("scheduler") });

  const sessionsRepo = createSessionsRepository(ctx.db);
  const usersRepo = createAuthRepository(ctx.db);
  const auth = createAuthService({
    users: usersRepo,
    sessions: sessionsRepo,
    throttle: new LoginThrottle(),
    passwordLogin: ctx.config.auth.password_login,
  });
  const users = createUsersService({ auth, repo: usersRepo });
  const tokens = createTokensService({ repo: createTokensRepository(ctx.db) });
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

  // Every measurement runs through a machine's executor: this server's, or an agent's ("run from"). Each machine
  // has its own concurrency: one speed test, and [packetloss] max_concurrent_monitors monitor runs (extra runs queue).
  const machines = new Machines({
    local: createLocalExecutor({
      providers: createProviders({ speedtest: ctx.config.speedtest, dir: ctx.loaded.dir }),
    }),
    repo: agentsRepo,
    supervisor,
    maxMonitors: ctx.config.packetloss.max_concurrent_monitors,
  });

  // Shared by traceroute hops and MTR hop data in monitor results.
  const geoip = new GeoIp(ctx.config.geoip, ctx.log.child("geoip"));
  const traceroute = createTracerouteService({
    settings: ctx.config.traceroute,
    machines,
    geoip,
    log: ctx.log.child("traceroute"),
  });

  const speedtestRepo = createSpeedtestRepository(ctx.db);
  const iperfServers = createIperfServersService(speedtestRepo);
  const speedtest = createSpeedtestService({
    repo: speedtestRepo,
    iperfServers,
    machines,
    bus,
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
    machines,
    bus,
    geoip,
    settings: ctx.config.packetloss,
    retention: ctx.config.retention,
    timezone: ctx.config.server.timezone,
    log: ctx.log.child("monitors"),
  });

  const agents = createAgentsService({
    repo: agentsRepo,
    history: agentHistory,
    supervisor,
    secrets: agentSecrets,
    monitor: ctx.config.monitor,
    retention: ctx.config.retention,
    usersOf: async (agentId) => {
      const count = (n: number, what: string) => (n ? [`${n} ${what}${n === 1 ? "" : "s"}`] : []);
      const [ms, ss] = await Promise.all([monitors.list(), schedules.list()]);
      return [
        ...count(ms.filter((m) => m.agentId === agentId).length, "monitor"),
        ...count(ss.filter((x) => (x.options as { agentId?: number | null }).agentId === agentId).length, "schedule"),
      ];
    },
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
  const authLog = ctx.log.child("auth");
  const identify = identityResolver({
    sessions: sessionCredentials(sessions),
    apiTokens: ({ token }) => tokens.resolve(token),
    whitelist: parseRanges(ctx.config.auth.whitelist),
    clientOf,
    bearerFailures: new LoginThrottle(BEARER_FAILURES, BEARER_WINDOW_MS),
    onRefusedBearer: (client) => authLog.warn("bearer token refused", { source: client.address ?? undefined }),
  });
  const session = sessionPlugin(ctx, { identify, signIns, registrationOpen: () => auth.registrationOpen() });
  const page = pageContextFactory(ctx);

  // Single sign-on, when [oidc] is configured: its discovery starts with start(), in the background.
  const discovery = ctx.config.oidc.issuer
    ? createOidcDiscovery({
        issuer: new URL(ctx.config.oidc.issuer),
        log: ctx.log.child("oidc"),
        ...options.oidcDiscovery,
      })
    : undefined;
  const oidc = discovery
    ? createOidcService({
        config: ctx.config.oidc,
        discovery,
        users: usersRepo,
        onUserCreated: () => auth.noteUserCreated(),
        log: ctx.log.child("oidc"),
        now: options.now,
      })
    : undefined;

  const signIn = signInPage(ctx, page, signInOptions(ctx, oidc));
  const libreSpeedRoutes = hubLibreSpeedRoutes(ctx.config.librespeed_server, base);
  const app = new Elysia({
    prefix: base,
    serve: {
      // Once an account exists, Bun's router answers GET /login with the static sign-in page by itself. Before that
      // (first run), the Elysia route sends visitors to registration. LibreSpeed clients (agents included) test
      // against the hub on its own routes, with its token in the path.
      routes: {
        ...((await auth.registrationOpen()) ? {} : { [`${base}/login`]: { GET: htmlResponse(signIn) } }),
        ...libreSpeedRoutes,
      },
      // No route takes more (server/body.ts); routes read their bodies themselves, within their own limits. The
      // LibreSpeed endpoint, when on, takes uploads as large as LibreSpeed's clients send (and discards them).
      maxRequestBodySize: Object.keys(libreSpeedRoutes).length
        ? Math.max(MAX_BODY_BYTES, LIBRESPEED_MAX_UPLOAD_BYTES)
        : MAX_BODY_BYTES,
    },
  })
    .use(errorsPlugin(ctx, page, clientOf))
    .use(originGuard(ctx, clientOf))
    // Public: assets, health, sign-in and first-run registration (auth.routes marks its own protected API routes).
    .use(assetsPlugin)
    .use(healthPlugin(ctx))
    .use(authPlugin(ctx, { auth, signIns, session, page, signIn, oidc }))
    .use(
      oidc
        ? oidcPlugin(ctx, { oidc, signIns, clientOf, secret, now: options.now })
        : new Elysia({ name: "auth.oidc.off", seed: ctx.instanceId }),
    )
    // Everything below requires a session: each route opts into the `page` or `api` guard.
    .use(sessionsApi(ctx, { sessions, signIns, session }))
    .use(tokensApi(ctx, { tokens, session }))
    .use(usersApi(ctx, { users, session }))
    .use(
      eventsPlugin(
        ctx,
        bus,
        session,
        async () => [speedtestSnapshotSse(speedtest.snapshot()), monitorSnapshotSse(await monitors.liveRuns())],
        { identify, sessionCheckMs: options.eventsSessionCheckMs },
      ),
    )
    .use(dashboardPlugin(ctx, speedtestRepo, monitors, session, page))
    .use(speedtestApi(ctx, speedtest, speedtestRepo, iperfServers, session))
    .use(speedtestPages(ctx, speedtest, speedtestRepo, schedules, iperfServers, machines, session, page))
    .use(schedulesPlugin(ctx, schedules, machines, session, page))
    .use(diagnosticsPages(ctx, session, page))
    .use(monitorsPlugin(ctx, monitors, machines, session, page))
    .use(traceroutePlugin(ctx, traceroute, geoip, machines, session, page))
    .use(agentsApi(ctx, agents, session))
    .use(agentsPages(ctx, agents, session, page))
    .use(settingsPlugin(ctx, { auth, sessions, tokens, signIns, session, page }))
    .use(tokensPages(ctx, { tokens, session, page }))
    .use(usersPages(ctx, { users, session, page }))
    .use(metricsPlugin(ctx, { bus, session, agents }))
    .use(notifyApi(ctx, notify, session))
    .use(notifyPages(ctx, notify, session, page));

  return {
    app,
    services: { auth, sessions, tokens, users, speedtest, schedules, scheduler, bus, geoip, monitors, agents, notify },
    /** Starts background work (schedules); separate from construction so tests decide when time starts. */
    async start() {
      discovery?.start();
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
      discovery?.stop();
      speedtest.cancelAll();
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
