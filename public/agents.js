// Agents pages: live state and rates from the page's event stream (agent-live, agent-state, agent-metrics), the
// history charts and the live rates chart. Agent-supplied text reaches the DOM only through x-text (textContent)
// or, for ApexCharts, which writes legends and tooltips as HTML, escaped first.
(() => {
  const { chartTheme, getJson, listen, themeColor, timeAxis, timezone, units } = window.netronome;

  const escapeHtml = (text) =>
    String(text).replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
    );

  // The same units as views/agents/format.ts: rates in bits per second (decimal), amounts in binary bytes.
  const bitRate = (bytesPerSecond) => {
    if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return "–";
    const units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
    let value = bytesPerSecond * 8;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${units[unit]}`;
  };

  const STATE = {
    online: ["Online", "badge-ok"],
    offline: ["Offline", "badge-bad"],
    unauthorized: ["Unauthorized", "badge-bad"],
    incompatible: ["Incompatible", "badge-warn"],
    connecting: ["Connecting…", "badge-info"],
    disabled: ["Disabled", ""],
  };
  /** Rates older than this are no longer "now". */
  const RATE_STALE_MS = 10_000;
  const METRIC_NAMES = {
    cpu: "CPU",
    memory: "Memory",
    swap: "Swap",
    load: "Load",
    disk: "Disk",
    temperature: "Temperature",
    rx: "Download",
    tx: "Upload",
  };

  // Times as on every page: in the configured timezone, in the page's language (units.js).
  const dateTime = { format: (date) => units.dateTime(date, timezone()) };
  const ago = (iso) => (iso ? units.relative(Date.parse(iso)) : "");

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    // The Agents list: rates per agent, kept while they are fresh; the list itself reloads on state changes.
    Alpine.data("agentsPanel", () => ({
      rates: {},
      states: {},
      now: Date.now(),
      init() {
        this.tick = setInterval(() => {
          this.now = Date.now();
        }, 2000);
        this.stop = listen({
          events: {
            "agent-live": (d) => {
              this.rates[d.agentId] = { rx: d.rx, tx: d.tx, at: Date.now() };
            },
            "agent-state": (d) => {
              this.states[d.agentId] = { to: d.to, reason: d.reason, at: d.at };
              if (d.to !== "online") delete this.rates[d.agentId];
            },
          },
        });
      },
      destroy() {
        clearInterval(this.tick);
        this.stop?.();
      },
      stateLabel(id, fallback) {
        return STATE[this.states[id]?.to ?? fallback][0];
      },
      stateClass(id, fallback) {
        return STATE[this.states[id]?.to ?? fallback][1];
      },
      stateText(id) {
        const s = this.states[id];
        if (!s) return "";
        const since = ago(new Date(s.at).toISOString());
        return s.to === "online" ? `Online since ${since}` : `${s.reason ?? STATE[s.to][0]} · since ${since}`;
      },
      rate(id, direction, fallback) {
        const r = this.rates[id];
        if (!r) return fallback;
        return this.now - r.at > RATE_STALE_MS ? "–" : bitRate(r[direction]);
      },
    }));

    // One agent's page: its state and banner, live rates, and a refresh of the tab's panel when figures arrive.
    Alpine.data("agentPage", (initial) => ({
      ...initial,
      period: "hour",
      ratesAt: initial.rx === null ? 0 : Date.now(),
      now: Date.now(),
      init() {
        this.tick = setInterval(() => {
          this.now = Date.now();
        }, 2000);
        const mine = (handler) => (d) => {
          if (d.agentId === initial.id) handler(d);
        };
        const refresh = () => document.getElementById("agent-panel")?.dispatchEvent(new CustomEvent("refresh"));
        this.stop = listen({
          events: {
            "agent-live": mine((d) => {
              this.rx = d.rx;
              this.tx = d.tx;
              this.ratesAt = Date.now();
              this.lastSeen = new Date(d.at).toISOString();
            }),
            "agent-state": mine((d) => {
              this.state = d.to;
              this.reason = d.reason;
              this.since = new Date(d.at).toISOString();
              if (d.to !== "online") this.ratesAt = 0;
              refresh();
            }),
            "agent-metrics": mine((d) => {
              // A page opened before the agent ever reported has no charts yet: load the full page once.
              if (!this.figuresAt) {
                window.location.reload();
                return;
              }
              this.figuresAt = new Date(d.at).toISOString();
              refresh();
            }),
          },
        });
      },
      destroy() {
        clearInterval(this.tick);
        this.stop?.();
      },
      shown() {
        if (!this.monitored) return "disabled";
        return this.state ?? "connecting";
      },
      badgeLabel() {
        return STATE[this.shown()][0];
      },
      badgeClass() {
        return STATE[this.shown()][1];
      },
      rate(direction) {
        if (!this.ratesAt || this.now - this.ratesAt > RATE_STALE_MS) return "–";
        return bitRate(this[direction]);
      },
      bannerClass() {
        return this.shown() === "unauthorized" ? "alert-error" : "alert-warn";
      },
      bannerText() {
        const shown = this.shown();
        const since = this.since ? ` since ${dateTime.format(new Date(this.since))}` : "";
        const seen = this.lastSeen ? ` Last seen ${ago(this.lastSeen)}.` : " Never seen.";
        const last = this.figuresAt
          ? ` Showing the last data it reported (${dateTime.format(new Date(this.figuresAt))}).`
          : "";
        if (shown === "disabled") return `This agent is disabled and not contacted.${last}`;
        if (shown === "connecting") return "Connecting to the agent…";
        if (shown === "unauthorized")
          return `Unauthorized${since}: ${(this.reason ?? "check the API key").replace(/^unauthorized: /, "")}.${seen}${last}`;
        if (shown === "incompatible") return `Incompatible${since}: ${this.reason ?? ""}.${seen}${last}`;
        return `Offline${since}${this.reason ? ` (${this.reason})` : ""}.${seen}${last}`;
      },
    }));

    // History charts from /api/monitor/agents/:id/history: one request, split into the charts it feeds.
    Alpine.data("agentHistory", (config) => ({
      range: config.range,
      data: null,
      error: "",
      note: "",
      charts: [],
      loadedAt: 0,
      init() {
        this.load();
        this.stop = listen({
          events: {
            "agent-metrics": (d) => {
              // New figures land in the current bucket; a minute between reloads is enough.
              if (d.agentId === config.id && Date.now() - this.loadedAt > 60_000) this.load();
            },
          },
          onTheme: () => this.render(),
        });
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
      async load() {
        this.error = "";
        this.loadedAt = Date.now();
        try {
          const params = new URLSearchParams({ timeRange: this.range, metrics: config.metrics });
          const data = await getJson(config.base, `/api/monitor/agents/${config.id}/history?${params}`);
          if (!data) return;
          this.data = data;
          const step = data.stepSeconds;
          const every = step >= 86400 ? "day" : step >= 3600 ? `${step / 3600} h` : `${step / 60} min`;
          this.note = `Average per ${every}; gaps are times the agent was not heard from.`;
          this.render();
        } catch (e) {
          this.error = `Could not load the history: ${e.message}`;
        }
      },
      seriesName(s) {
        if (s.metric === "disk") return s.label;
        if (s.metric === "temperature") return config.sensorLabels[s.label] ?? s.label;
        return METRIC_NAMES[s.metric] ?? s.metric;
      },
      render() {
        if (!this.data || !window.ApexCharts) return;
        for (const chart of this.charts) chart.destroy();
        this.charts = [];
        const theme = chartTheme();
        const { times } = this.data;
        const palette = [
          "--download",
          "--upload",
          "--latency",
          "--jitter",
          "--accent-strong",
          "--bad",
          "--warn",
          "--ok",
        ].map(themeColor);
        for (const def of config.charts) {
          const el = this.$refs[def.ref];
          if (!el) continue;
          const bits = def.unit === "bit/s";
          const series = this.data.series
            .filter((s) => def.metrics.includes(s.metric))
            .map((s) => ({
              name: escapeHtml(this.seriesName(s)),
              data: s.avg.map((v, i) => [times[i], v === null ? null : bits ? v * 8 : v]),
            }));
          const values = series.reduce((n, s) => n + s.data.filter((p) => p[1] !== null).length, 0);
          const format = (v) => {
            if (v === null || v === undefined) return "–";
            if (bits) return bitRate(v / 8);
            if (def.unit === "°C") return `${v.toFixed(v >= 100 || v === 0 ? 0 : 1)} °C`;
            return `${v === 0 || v >= 10 ? v.toFixed(0) : v.toFixed(1)} %`;
          };
          const chart = new window.ApexCharts(el, {
            chart: {
              type: "line",
              height: 220,
              animations: { enabled: false },
              background: theme.background,
              foreColor: theme.foreColor,
              toolbar: { show: false },
              zoom: { enabled: false },
            },
            theme: { mode: theme.mode },
            series,
            colors: palette,
            stroke: { width: 2, curve: "straight" },
            // A few points in a long range would be invisible as lines alone.
            markers: { size: values < 40 * Math.max(1, series.length) ? 3 : 0 },
            grid: { borderColor: theme.grid },
            xaxis: {
              type: "datetime",
              labels: timeAxis(Date.parse(this.data.to) - Date.parse(this.data.from)).labels,
              min: Date.parse(this.data.from),
              max: Date.parse(this.data.to),
            },
            // Percentages and rates start at zero; temperatures use the range they move in.
            yaxis: {
              ...(def.unit === "°C" ? { forceNiceScale: true } : { min: 0 }),
              ...(def.max ? { max: def.max } : {}),
              labels: { formatter: format },
            },
            legend: { position: "top", showForSingleSeries: true },
            dataLabels: { enabled: false },
            tooltip: { shared: true, x: { formatter: timeAxis(0).tooltip }, y: { formatter: format } },
            noData: { text: "No data in this range" },
          });
          chart.render();
          this.charts.push(chart);
        }
      },
    }));

    // The last two minutes of live rates, one point per sample.
    Alpine.data("liveRates", (config) => ({
      rx: config.recent.map(([at, rx]) => [at, rx * 8]),
      tx: config.recent.map(([at, , tx]) => [at, tx * 8]),
      chart: null,
      note: "One point per second while this page is open",
      init() {
        this.draw();
        this.stop = listen({
          events: {
            "agent-live": (d) => {
              if (d.agentId !== config.id) return;
              const cut = d.at - 120_000;
              this.rx = [...this.rx.filter((p) => p[0] >= cut), [d.at, d.rx * 8]];
              this.tx = [...this.tx.filter((p) => p[0] >= cut), [d.at, d.tx * 8]];
              this.chart?.updateSeries(this.series(), false);
            },
          },
          onTheme: () => this.draw(),
        });
      },
      destroy() {
        this.stop?.();
        this.chart?.destroy();
      },
      series() {
        return [
          { name: "Download", data: this.rx },
          { name: "Upload", data: this.tx },
        ];
      },
      draw() {
        if (!window.ApexCharts) return;
        this.chart?.destroy();
        const theme = chartTheme();
        this.chart = new window.ApexCharts(this.$refs.chart, {
          chart: {
            type: "area",
            height: 200,
            animations: { enabled: false },
            background: theme.background,
            foreColor: theme.foreColor,
            toolbar: { show: false },
            zoom: { enabled: false },
          },
          theme: { mode: theme.mode },
          series: this.series(),
          colors: [themeColor("--download"), themeColor("--upload")],
          stroke: { width: 1.5, curve: "straight" },
          fill: { type: "solid", opacity: 0.15 },
          grid: { borderColor: theme.grid },
          xaxis: { type: "datetime", range: 120_000, labels: timeAxis(120_000).labels },
          yaxis: { min: 0, labels: { formatter: (v) => bitRate(v / 8) } },
          legend: { position: "top" },
          dataLabels: { enabled: false },
          tooltip: {
            x: { formatter: (v) => units.dateTime(v, timezone(), "time") },
            y: { formatter: (v) => bitRate(v / 8) },
          },
          noData: { text: "Waiting for live samples…" },
        });
        this.chart.render();
      },
    }));
  });
})();
