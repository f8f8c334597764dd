// Alpine components and small page helpers. Loaded deferred before Alpine, so components register in alpine:init.

// Helpers every page's components use, on window.netronome.
(() => {
  const isDark = () => (window.netronomeTheme ? window.netronomeTheme() === "dark" : false);

  // The theme's colours are light-dark() pairs; ApexCharts needs plain rgb() to apply its fill opacity.
  const themeColor = (name) => {
    const probe = document.createElement("span");
    probe.style.color = `var(${name})`;
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  };

  const eventData = (event) => {
    const raw = event.detail?.data;
    return typeof raw === "string" ? JSON.parse(raw) : raw;
  };

  window.netronome = {
    themeColor,

    /** ApexCharts theme settings for the current light or dark theme. */
    chartTheme() {
      return {
        mode: isDark() ? "dark" : "light",
        background: "transparent",
        foreColor: themeColor("--muted"),
        grid: themeColor("--border"),
      };
    },

    /** Calls handler(data, name) for the named events of the page's /events stream; returns a function that stops it. */
    onServerEvents(names, handler) {
      const listeners = names.map((name) => [name, (event) => handler(eventData(event), name)]);
      for (const [name, listener] of listeners) window.addEventListener(name, listener);
      return () => {
        for (const [name, listener] of listeners) window.removeEventListener(name, listener);
      };
    },

    /** Calls `render` whenever the user switches the theme; returns a function that stops it. */
    onThemeChange(render) {
      document.addEventListener("netronome:theme", render);
      return () => document.removeEventListener("netronome:theme", render);
    },

    /** GETs JSON from the app. An expired session goes to the sign-in page (and resolves undefined); an error status throws its message. */
    async getJson(base, path) {
      const res = await fetch(`${base}${path}`, { headers: { accept: "application/json" } });
      if (res.status === 401) {
        window.location.href = `${base}/login`;
        return undefined;
      }
      if (!res.ok) throw new Error((await res.json()).message ?? res.statusText);
      return res.json();
    },
  };

  // Timestamps are rendered in UTC by the server; show them in the viewer's timezone.
  const timeFormats = {
    datetime: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
    time: new Intl.DateTimeFormat(undefined, { timeStyle: "short" }),
  };
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  function relativeText(date) {
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 60) return relative.format(seconds, "second");
    if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
    if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
    return relative.format(Math.round(seconds / 86400), "day");
  }
  function localiseTimes(root = document) {
    for (const el of root.querySelectorAll("time[data-local]")) {
      const date = new Date(el.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) continue;
      const style = el.dataset.local;
      el.textContent =
        style === "relative" ? relativeText(date) : timeFormats[style === "time" ? "time" : "datetime"].format(date);
      el.title = timeFormats.datetime.format(date);
    }
  }
  document.addEventListener("DOMContentLoaded", () => localiseTimes());
  document.addEventListener("htmx:after:swap", () => localiseTimes());
  setInterval(() => {
    for (const el of document.querySelectorAll('time[data-local="relative"]')) localiseTimes(el.parentElement);
  }, 30_000);
})();

// Speed Test page and dashboard.
(() => {
  const { chartTheme, getJson, onServerEvents, onThemeChange, themeColor } = window.netronome;

  function niceScale(value) {
    for (const step of [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000])
      if (value <= step) return step;
    return Math.ceil(value / 100000) * 100000;
  }

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    // Speed Test page: provider choice, live gauge and throughput line, driven by the page's SSE stream.
    Alpine.data("speedTest", (initial) => ({
      provider: "speedtest",
      host: "",
      running: false,
      runId: null,
      phase: "idle",
      mbps: 0,
      latency: null,
      percent: 0,
      scale: 100,
      statusText: "Ready. Choose a provider and start a test.",
      status: "idle",
      figures: { latency: null, jitter: null, download: null, upload: null },
      points: { download: [], upload: [] },
      chart: null,

      init() {
        if (initial?.current) {
          this.onStarted({ run: initial.current.run });
          if (initial.current.progress)
            this.onProgress({ run: initial.current.run, progress: initial.current.progress });
        }
        this.$nextTick(() => this.renderChart());
        const handlers = {
          "speedtest-started": this.onStarted,
          "speedtest-progress": this.onProgress,
          "speedtest-finished": this.onFinished,
          "speedtest-cancelled": this.onCancelled,
          "speedtest-rejected": this.onRejected,
        };
        const stopEvents = onServerEvents(Object.keys(handlers), (data, name) => handlers[name].call(this, data));
        const stopTheme = onThemeChange(() => this.renderChart());
        this.stop = () => {
          stopEvents();
          stopTheme();
        };
      },
      destroy() {
        this.stop?.();
        this.chart?.destroy();
      },

      get gaugeFraction() {
        return Math.min(1, (this.phase === "latency" ? (this.latency ?? 0) / 200 : this.mbps / this.scale) || 0);
      },
      get gaugeNumber() {
        if (this.phase === "latency") return this.fmt(this.latency);
        return this.fmt(this.mbps);
      },
      get gaugeUnit() {
        return this.phase === "latency" ? "ms latency" : "Mbit/s";
      },
      get gaugeLabel() {
        return `${this.gaugeNumber} ${this.gaugeUnit}`;
      },
      get statusLabel() {
        return { idle: "Idle", running: "Running", done: "Done", failed: "Failed", cancelled: "Cancelled" }[
          this.status
        ];
      },
      get badgeClass() {
        return (
          { running: "badge-info", done: "badge-ok", failed: "badge-bad", cancelled: "badge-warn" }[this.status] ?? ""
        );
      },
      fmt(v) {
        if (v === null || v === undefined || !Number.isFinite(v)) return "–";
        return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      },

      onStarted({ run }) {
        this.running = true;
        this.runId = run.id;
        this.status = "running";
        this.phase = "latency";
        this.mbps = 0;
        this.latency = null;
        this.percent = 0;
        this.scale = 100;
        this.figures = { latency: null, jitter: null, download: null, upload: null };
        this.points = { download: [], upload: [] };
        this.statusText = `${run.isScheduled ? "Scheduled test" : "Testing"} against ${run.serverName}: measuring latency…`;
        this.updateChart();
      },
      onProgress({ run, progress }) {
        if (this.runId !== run.id) this.onStarted({ run });
        this.phase = progress.phase;
        this.percent = progress.percent;
        if (progress.phase === "latency") {
          if (progress.latencyMs !== undefined) {
            this.latency = progress.latencyMs;
            this.figures.latency = progress.latencyMs;
          }
          this.statusText = `Measuring latency to ${run.serverName}…`;
          return;
        }
        this.mbps = progress.mbps ?? 0;
        this.scale = Math.max(this.scale, niceScale(this.mbps));
        this.figures[progress.phase] = this.mbps;
        this.statusText = `${progress.phase === "download" ? "Downloading" : "Uploading"} from ${run.serverName}: ${Math.round(progress.phasePercent)}%`;
        this.points[progress.phase].push([Date.now(), Number(this.mbps.toFixed(2))]);
        this.updateChart();
      },
      onFinished({ result }) {
        this.running = false;
        document.getElementById("run-message")?.replaceChildren();
        this.percent = 100;
        this.phase = "idle";
        this.status = result.error ? "failed" : "done";
        this.figures = {
          latency: result.latency,
          jitter: result.jitter,
          download: result.downloadSpeed,
          upload: result.uploadSpeed,
        };
        this.mbps = result.downloadSpeed ?? result.uploadSpeed ?? 0;
        this.statusText = result.error
          ? `The test against ${result.serverName} failed: ${result.error}`
          : `Done: ${this.fmt(result.downloadSpeed)} Mbit/s down, ${this.fmt(result.uploadSpeed)} Mbit/s up, ${this.fmt(result.latency)} ms latency (${result.serverName}).`;
      },
      onCancelled() {
        this.running = false;
        this.status = "cancelled";
        this.phase = "idle";
        this.mbps = 0;
        this.statusText = "The test was cancelled; nothing was saved.";
      },
      onRejected({ message }) {
        this.running = false;
        this.status = "failed";
        this.phase = "idle";
        this.statusText = message;
      },

      renderChart() {
        if (!this.$refs.chart || !window.ApexCharts) return;
        this.chart?.destroy();
        const theme = chartTheme();
        this.chart = new window.ApexCharts(this.$refs.chart, {
          chart: {
            type: "line",
            height: 160,
            animations: { enabled: false },
            toolbar: { show: false },
            zoom: { enabled: false },
            background: theme.background,
            foreColor: theme.foreColor,
          },
          theme: { mode: theme.mode },
          stroke: { width: 2, curve: "smooth" },
          colors: [themeColor("--download"), themeColor("--upload")],
          series: this.series(),
          xaxis: { type: "datetime", labels: { show: false }, tooltip: { enabled: false } },
          yaxis: { min: 0, labels: { formatter: (v) => `${Math.round(v)}` }, title: { text: "Mbit/s" } },
          grid: { borderColor: theme.grid },
          legend: { position: "top" },
          tooltip: { x: { show: false } },
          noData: { text: "Throughput appears here during a test" },
        });
        this.chart.render();
      },
      series() {
        return [
          { name: "Download", data: this.points.download },
          { name: "Upload", data: this.points.upload },
        ];
      },
      updateChart() {
        this.chart?.updateSeries(this.series(), false);
      },
    }));

    // Dashboard: history chart with ranges, metric toggles and a server filter; refetches when a test finishes.
    Alpine.data("historyChart", (initial) => ({
      range: initial.range,
      serverId: "",
      metrics: { download: true, upload: true, latency: true, jitter: false },
      chart: null,
      loading: false,
      empty: false,
      error: "",
      data: null,

      init() {
        this.load();
        const stopEvents = onServerEvents(["speedtest-finished"], () => this.load());
        const stopTheme = onThemeChange(() => this.render());
        this.stop = () => {
          stopEvents();
          stopTheme();
        };
      },
      destroy() {
        this.stop?.();
        this.chart?.destroy();
      },
      setRange(range) {
        this.range = range;
        this.load();
      },
      toggle(metric) {
        this.metrics[metric] = !this.metrics[metric];
        this.render();
      },
      async load() {
        this.loading = true;
        this.error = "";
        const params = new URLSearchParams({ timeRange: this.range });
        if (this.serverId) params.set("serverId", this.serverId);
        try {
          const data = await getJson(initial.base, `/api/speedtest/chart?${params}`);
          if (!data) return;
          this.data = data;
          this.empty = this.data.points.length === 0;
          this.render();
        } catch (e) {
          this.error = `Could not load the chart: ${e.message}`;
        } finally {
          this.loading = false;
        }
      },
      render() {
        if (!this.data || !this.$refs.chart || !window.ApexCharts) return;
        const defs = [
          { key: "download", name: "Download", color: themeColor("--download"), axis: 0 },
          { key: "upload", name: "Upload", color: themeColor("--upload"), axis: 0 },
          { key: "latency", name: "Latency", color: themeColor("--latency"), axis: 1 },
          { key: "jitter", name: "Jitter", color: themeColor("--jitter"), axis: 1 },
        ].filter((d) => this.metrics[d.key]);
        const series = defs.map((d) => ({ name: d.name, data: this.data.points.map((p) => [p.t, p[d.key]]) }));
        const hasRate = defs.some((d) => d.axis === 0);
        const hasTime = defs.some((d) => d.axis === 1);
        const yaxis = defs.map((d, i) => {
          const firstOfAxis = defs.findIndex((x) => x.axis === d.axis) === i;
          return {
            seriesName: defs.find((x) => x.axis === d.axis).name,
            show: firstOfAxis,
            opposite: d.axis === 1 && hasRate,
            min: 0,
            title: { text: d.axis === 0 ? "Mbit/s" : "ms" },
            labels: {
              formatter: (v) => (v === null || v === undefined ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1)),
            },
          };
        });
        const theme = chartTheme();
        this.chart?.destroy();
        this.chart = new window.ApexCharts(this.$refs.chart, {
          chart: {
            type: "line",
            height: 320,
            animations: { enabled: false },
            background: theme.background,
            foreColor: theme.foreColor,
            toolbar: {
              show: true,
              tools: { download: false, pan: true, zoom: true, zoomin: true, zoomout: true, reset: true },
            },
          },
          theme: { mode: theme.mode },
          series,
          colors: defs.map((d) => d.color),
          stroke: { width: 2, curve: "straight" },
          markers: { size: this.data.points.length < 60 ? 3 : 0 },
          xaxis: {
            type: "datetime",
            min: this.data.from ?? undefined,
            max: this.data.to,
            labels: { datetimeUTC: false },
          },
          yaxis: yaxis.length ? yaxis : [{ show: false }],
          grid: { borderColor: theme.grid },
          legend: { position: "top" },
          tooltip: { shared: true, x: { format: "dd MMM HH:mm" } },
          noData: { text: hasRate || hasTime ? "No results in this range" : "Choose a metric" },
        });
        this.chart.render();
      },
    }));
  });
})();

// Traceroute panel: one trace per fetch-read event stream (aborting the fetch kills traceroute), hops rendered as they arrive.
(() => {
  const ANNOTATIONS = {
    "!H": "host unreachable",
    "!N": "network unreachable",
    "!P": "protocol unreachable",
    "!S": "source route failed",
    "!X": "administratively prohibited (a firewall refused the probe)",
    "!V": "host precedence violation",
    "!C": "precedence cutoff",
  };

  /** Reads a text/event-stream body, calling onEvent(name, parsedJson) for each message. */
  async function readEventStream(body, onEvent) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
        end = buffer.indexOf("\n\n");
      }
    }
  }

  /** "host: must not contain whitespace" → "The host must not contain whitespace." */
  function plainMessage(message) {
    const text = message.replace(/^host: /, "The host ");
    return /[.!?]$/.test(text) ? text : `${text}.`;
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("traceroute", (initial) => ({
      host: initial.host,
      hops: [],
      status: "idle",
      destination: "",
      ip: "",
      error: "",
      result: null,
      percent: 0,
      elapsed: 0,
      controller: null,
      timer: null,

      init() {
        if (initial.autostart) this.start();
      },
      destroy() {
        this.controller?.abort();
        clearInterval(this.timer);
      },

      get running() {
        return this.status === "running";
      },
      get statusLabel() {
        if (this.status === "done")
          return this.result?.complete ? "Reached" : this.result?.terminatedEarly ? "Stopped early" : "Not reached";
        return { idle: "Idle", running: "Tracing", failed: "Failed", stopped: "Stopped" }[this.status];
      },
      get badgeClass() {
        if (this.status === "done") return this.result?.complete ? "badge-ok" : "badge-warn";
        return { running: "badge-info", failed: "badge-bad", stopped: "badge-warn" }[this.status] ?? "";
      },
      get emptyText() {
        if (this.running) return "Waiting for the first hop…";
        return "Hops appear here as they are discovered.";
      },
      get monitorHref() {
        return `${initial.base}/traceroute?tab=monitors&host=${encodeURIComponent(this.destination)}`;
      },
      get statusText() {
        const target = this.ip && this.ip !== this.destination ? `${this.destination} (${this.ip})` : this.destination;
        const last = this.hops.at(-1)?.number ?? 0;
        const seconds = `${this.elapsed < 10 ? Math.max(0.1, this.elapsed).toFixed(1) : Math.round(this.elapsed)} s`;
        if (this.running)
          return last
            ? `Tracing ${target}: hop ${last} of at most ${initial.maxHops} · ${seconds}`
            : `Tracing ${target}… ${seconds}`;
        if (this.status === "stopped") return `Stopped by you after ${last} hop${last === 1 ? "" : "s"}.`;
        // A failure is told by the error alert alone.
        if (this.status === "failed") return "";
        const r = this.result;
        if (!r) return "";
        const hops = `${r.totalHops} hop${r.totalHops === 1 ? "" : "s"}`;
        if (r.complete) return `Reached ${target} in ${hops} (${seconds}).`;
        const lastAnswer = [...r.hops].reverse().find((h) => !h.timeout);
        const beyond = lastAnswer ? `beyond hop ${lastAnswer.number}` : "from the first hop on";
        if (r.terminatedEarly)
          return `Terminated early: ${initial.maxSilentHops} hops in a row gave no answer, so nothing ${beyond} replies to traceroute probes (a firewall may drop them).`;
        if (r.timedOut)
          return `Stopped at the ${initial.timeoutSeconds} s time limit after ${hops}; ${target} was not reached.`;
        return `${target} did not answer within ${r.maxHops} hops.`;
      },

      rtt(value) {
        if (value === null || value === undefined) return "*";
        return `${value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
      },
      hostLabel(hop) {
        if (hop.timeout) return "No reply";
        return hop.host === hop.ip ? hop.ip : hop.host;
      },
      lossClass(loss) {
        return loss === 0 ? "badge-ok" : loss < 100 ? "badge-warn" : "badge-bad";
      },
      annotationText(note) {
        if (ANNOTATIONS[note]) return ANNOTATIONS[note];
        const mtu = note.match(/^!F-?(\d*)$/);
        if (mtu) return `fragmentation needed${mtu[1] ? ` (path MTU ${mtu[1]})` : ""}`;
        return `ICMP unreachable, code ${note.replace(/^!<?|>$/g, "")}`;
      },

      async start() {
        const host = this.host.trim();
        if (!host) {
          this.status = "failed";
          this.error = "Enter a host to trace: a name, an IP address or a URL.";
          return;
        }
        this.controller?.abort();
        const controller = new AbortController();
        this.controller = controller;
        Object.assign(this, {
          hops: [],
          status: "running",
          destination: host,
          ip: "",
          error: "",
          result: null,
          percent: 0,
          elapsed: 0,
        });
        const started = Date.now();
        clearInterval(this.timer);
        this.timer = setInterval(() => {
          this.elapsed = (Date.now() - started) / 1000;
        }, 250);
        // The address bar keeps the host, so a reload or a shared link traces it again.
        history.replaceState(null, "", `${initial.base}/traceroute?host=${encodeURIComponent(host)}`);
        try {
          const res = await fetch(`${initial.base}/traceroute/stream?host=${encodeURIComponent(host)}`, {
            headers: { accept: "text/event-stream" },
            signal: controller.signal,
          });
          if (res.status === 401) {
            window.location.href = `${initial.base}/login?next=${encodeURIComponent(`${initial.base}/traceroute`)}`;
            return;
          }
          if (!res.ok) {
            const body = await res.json().catch(() => ({}));
            throw new Error(body.message ?? `the server answered ${res.status}`);
          }
          await readEventStream(res.body, (name, data) => this.onEvent(name, data));
          if (this.status === "running")
            throw new Error("the connection to the server ended before the trace finished");
        } catch (e) {
          if (controller.signal.aborted) return;
          this.status = "failed";
          this.error = plainMessage(e.message);
        } finally {
          if (this.controller === controller) {
            this.controller = null;
            this.elapsed = (Date.now() - started) / 1000;
            clearInterval(this.timer);
          }
        }
      },
      stop() {
        this.controller?.abort();
        this.status = "stopped";
      },

      onEvent(name, data) {
        if (name === "start") this.destination = data.destination;
        else if (name === "resolved") this.ip = data.ip;
        else if (name === "hop") {
          const index = this.hops.findIndex((h) => h.number === data.hop.number);
          if (index === -1) this.hops.push(data.hop);
          else this.hops[index] = data.hop;
          this.percent = data.progress;
        } else if (name === "done") {
          this.result = data;
          this.hops = data.hops;
          this.ip = data.ip;
          this.percent = 100;
          this.status = "done";
        } else if (name === "error") {
          this.status = "failed";
          this.error = plainMessage(data.message);
        }
      },
    }));
  });
})();

// Packet-loss monitors panel (Traceroute page): live status from the page's event stream, the schedule form,
// per-monitor loss and RTT charts, and results that refresh when a run of their monitor finishes.
(() => {
  const { chartTheme, getJson, onServerEvents, onThemeChange, themeColor } = window.netronome;
  const rtt = (v) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    return v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
  };
  const STATE = {
    ok: ["OK", "badge-ok"],
    threshold_exceeded: ["Loss above threshold", "badge-warn"],
    down: ["Down", "badge-bad"],
    unknown: ["No data yet", ""],
  };
  const STATUS = {
    active: ["Active", "badge-info"],
    stopped: ["Stopped", ""],
    queued: ["Queued", "badge-warn"],
    testing: ["Testing", "badge-info badge-live"],
  };

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    Alpine.data("monitorsPanel", (initial) => ({
      live: {},
      states: {},
      selected: initial.selected,

      init() {
        const stopProgress = onServerEvents(
          ["packetloss-queued", "packetloss-started", "packetloss-progress"],
          (update) => {
            this.live[update.monitorId] = update;
          },
        );
        const stopEnds = onServerEvents(["packetloss-finished", "packetloss-cancelled"], (update, name) => {
          delete this.live[update.monitorId];
          if (name === "packetloss-finished") this.states[update.monitorId] = update.state;
        });
        // htmx replaces the panel after every action: the replaced component must stop listening.
        this.stop = () => {
          stopProgress();
          stopEnds();
        };
      },
      destroy() {
        this.stop?.();
      },
      select(id) {
        this.selected = id;
        for (const item of this.$root.querySelectorAll(".monitor-item"))
          item.classList.toggle("selected", Number(item.dataset.monitorId) === id);
      },
      statusOf(id, fallback) {
        const update = this.live[id];
        if (!update) return fallback;
        return update.isQueued ? "queued" : "testing";
      },
      statusLabel(id, fallback) {
        return STATUS[this.statusOf(id, fallback)][0];
      },
      statusClass(id, fallback) {
        return STATUS[this.statusOf(id, fallback)][1];
      },
      stateLabel(id, fallback) {
        return STATE[this.states[id] ?? fallback][0];
      },
      stateClass(id, fallback) {
        return STATE[this.states[id] ?? fallback][1];
      },
      progressText(id) {
        const u = this.live[id];
        if (!u) return "";
        const loss = u.packetLoss === null ? "" : ` · ${u.packetLoss.toFixed(1)}% loss so far`;
        return `${u.method ?? "probe"}: ${Math.round(u.progress)}% · ${u.packetsRecv}/${u.packetsSent} replies${loss}`;
      },
    }));

    Alpine.data("monitorForm", (initial) => ({
      mode: initial.mode,
      times: initial.times,
    }));

    // Reloads page 1 when a run of its monitor finishes, unless the user has hop details open.
    Alpine.data("monitorResults", (initial) => ({
      init() {
        this.stop = onServerEvents(["packetloss-finished"], (update) => {
          if (update.monitorId !== initial.id || initial.page !== 1) return;
          if (this.$root.querySelector(".hops-row:not([style*='display: none'])")) return;
          this.$root.dispatchEvent(new CustomEvent("refresh"));
        });
      },
      destroy() {
        this.stop?.();
      },
    }));

    Alpine.data("monitorChart", (initial) => ({
      range: initial.range,
      data: null,
      summary: null,
      error: "",
      note: "",
      charts: [],

      init() {
        this.load();
        const stopEvents = onServerEvents(["packetloss-finished"], (update) => {
          if (update.monitorId === initial.id) this.load();
        });
        const stopTheme = onThemeChange(() => this.render());
        this.stop = () => {
          stopEvents();
          stopTheme();
        };
      },
      destroy() {
        this.stop?.();
        for (const chart of this.charts) chart.destroy();
        this.charts = [];
      },
      setRange(range) {
        this.range = range;
        this.load();
      },
      pct(v) {
        return v === null || v === undefined ? "–" : `${v.toFixed(v > 0 && v < 1 ? 2 : 1)}%`;
      },
      ms(v) {
        return rtt(v);
      },
      async load() {
        this.error = "";
        try {
          const data = await getJson(
            initial.base,
            `/api/packetloss/monitors/${initial.id}/chart?timeRange=${this.range}`,
          );
          if (!data) return;
          this.data = data;
          this.summary = this.data.summary;
          const step = this.data.stepSeconds;
          const every = step >= 86400 ? "day" : step >= 3600 ? `${step / 3600} h` : `${step / 60} min`;
          this.note = `One point per ${every}; gaps are times without runs.`;
          this.render();
        } catch (e) {
          this.error = `Could not load the chart: ${e.message}`;
        }
      },
      render() {
        if (!this.data || !window.ApexCharts) return;
        for (const chart of this.charts) chart.destroy();
        const points = this.data.points;
        const theme = chartTheme();
        const base = {
          chart: {
            height: 220,
            animations: { enabled: false },
            background: theme.background,
            foreColor: theme.foreColor,
            toolbar: { show: false },
            zoom: { enabled: false },
          },
          theme: { mode: theme.mode },
          grid: { borderColor: theme.grid },
          xaxis: {
            type: "datetime",
            labels: { datetimeUTC: false },
            min: Date.parse(this.data.from),
            max: Date.parse(this.data.to),
          },
          legend: { position: "top" },
          dataLabels: { enabled: false },
          noData: { text: "No runs in this range" },
        };
        const hasData = points.some((p) => p.runs > 0);
        const loss = new window.ApexCharts(this.$refs.loss, {
          ...base,
          chart: { ...base.chart, type: "area" },
          series: hasData ? [{ name: "Packet loss", data: points.map((p) => [p.t, p.loss]) }] : [],
          colors: [themeColor("--bad")],
          stroke: { width: 1.5, curve: "straight" },
          fill: { opacity: 0.25, type: "solid" },
          markers: { size: points.filter((p) => p.runs > 0).length < 40 ? 3 : 0 },
          yaxis: {
            min: 0,
            max: (max) => Math.max(5, Math.ceil(max)),
            labels: { formatter: (v) => (v === null || v === undefined ? "–" : `${v.toFixed(0)}%`) },
          },
          tooltip: {
            x: { format: "dd MMM HH:mm" },
            y: { formatter: (v) => (v === null || v === undefined ? "no runs" : `${v.toFixed(2)}%`) },
          },
        });
        const band = points.map((p) => ({ x: p.t, y: p.min === null ? null : [p.min, p.max] }));
        const latency = new window.ApexCharts(this.$refs.rtt, {
          ...base,
          chart: { ...base.chart, type: "rangeArea" },
          series: hasData
            ? [
                { type: "rangeArea", name: "Fastest–slowest", data: band },
                { type: "line", name: "Average", data: points.map((p) => ({ x: p.t, y: p.avg })) },
              ]
            : [],
          colors: [themeColor("--latency"), themeColor("--accent-strong")],
          fill: { opacity: [0.3, 1] },
          stroke: { width: [0, 2], curve: "straight" },
          markers: { size: points.filter((p) => p.runs > 0).length < 40 ? [0, 3] : 0 },
          yaxis: {
            min: 0,
            labels: { formatter: (v) => (v === null || v === undefined ? "–" : v === 0 ? "0" : rtt(v)) },
            title: { text: "ms" },
          },
          tooltip: { shared: true, x: { format: "dd MMM HH:mm" } },
        });
        this.charts = [loss, latency];
        loss.render();
        latency.render();
      },
    }));
  });
})();
