// Monitors page: live status from the page's event stream, the schedule form, per-monitor loss and RTT charts, and
// results that refresh when a run of their monitor finishes.
(() => {
  const { chartTheme, getJson, listen, themeColor, timeAxis, track, units } = window.netronome;

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    Alpine.data("monitorsPanel", (initial) => ({
      live: {},
      synced: false,
      states: {},
      selected: initial.selected,

      init() {
        // Opened as /monitors/:id: the monitor's detail is what the visitor came for.
        if (initial.scrollToDetail) this.$nextTick(() => document.getElementById("monitor-detail")?.scrollIntoView());
        const running = (update) => {
          this.live[update.monitorId] = update;
        };
        // htmx replaces the panel after every action: the replaced component must stop listening (destroy).
        this.stop = listen({
          events: {
            // Every (re)connection starts with the runs under way: anything else shown as running has ended.
            "packetloss-snapshot": ({ live }) => {
              this.live = Object.fromEntries(live.map((update) => [update.monitorId, update]));
              this.synced = true;
            },
            "packetloss-queued": running,
            "packetloss-started": running,
            "packetloss-progress": running,
            "packetloss-finished": (update) => {
              delete this.live[update.monitorId];
              this.states[update.monitorId] = update.state;
            },
            "packetloss-cancelled": (update) => {
              delete this.live[update.monitorId];
            },
          },
        });
      },
      destroy() {
        this.stop?.();
      },
      /** Marks the chosen monitor and gives the address bar its own link (/monitors/:id). */
      select(id) {
        this.selected = id;
        for (const item of this.$root.querySelectorAll(".monitor-item")) {
          const chosen = Number(item.dataset.monitorId) === id;
          item.classList.toggle("selected", chosen);
          const link = item.querySelector(".monitor-name");
          if (chosen) link?.setAttribute("aria-current", "true");
          else link?.removeAttribute("aria-current");
        }
        history.replaceState(null, "", `${initial.base}/monitors/${id}`);
      },
      statusOf(id, fallback) {
        const update = this.live[id];
        if (update) return update.isQueued ? "queued" : "testing";
        // Until the stream's snapshot is in, the page's own status stands; after it, a run not listed has ended.
        const wasLive = fallback === "testing" || fallback === "queued";
        return wasLive && this.synced ? "active" : fallback;
      },
      statusLabel(id, fallback) {
        return initial.labels.status[this.statusOf(id, fallback)][0];
      },
      statusClass(id, fallback) {
        return initial.labels.status[this.statusOf(id, fallback)][1];
      },
      stateLabel(id, fallback) {
        return initial.labels.state[this.states[id] ?? fallback][0];
      },
      stateClass(id, fallback) {
        return initial.labels.state[this.states[id] ?? fallback][1];
      },
      progressText(id) {
        const u = this.live[id];
        if (!u) return "";
        const loss = u.packetLoss === null ? "" : ` · ${units.percent(u.packetLoss)} loss so far`;
        return `${u.method ?? "probe"}: ${Math.round(u.progress)}% · ${u.packetsRecv}/${u.packetsSent} replies${loss}`;
      },
    }));

    Alpine.data("monitorForm", (initial) => ({
      mode: initial.mode,
      times: initial.times,
    }));

    // Reloads page 1 when a run of its monitor finishes, unless the user has hop details open; says when a first run
    // is under way.
    Alpine.data("monitorResults", (initial) => ({
      running: initial.running,
      init() {
        const mine = (update) => update.monitorId === initial.id;
        this.stop = listen({
          events: {
            "packetloss-snapshot": ({ live }) => {
              this.running = live.some(mine);
            },
            "packetloss-queued": (update) => {
              if (mine(update)) this.running = true;
            },
            "packetloss-started": (update) => {
              if (mine(update)) this.running = true;
            },
            "packetloss-cancelled": (update) => {
              if (mine(update)) this.running = false;
            },
            "packetloss-finished": (update) => {
              if (!mine(update)) return;
              this.running = false;
              if (initial.page !== 1) return;
              if (this.$root.querySelector(".hops-row:not([style*='display: none'])")) return;
              this.$root.dispatchEvent(new CustomEvent("refresh"));
            },
          },
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
        track(this.load());
        this.stop = listen({
          events: {
            "packetloss-finished": (update) => {
              if (update.monitorId === initial.id) this.load();
            },
            "stream-resync": () => this.load(),
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
      pct(v) {
        return units.percent(v);
      },
      ms(v) {
        return units.ms(v);
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
          await this.render();
        } catch (e) {
          this.error = `Could not load the chart: ${e.message}`;
        }
      },
      /** The whole range, or from a little before the first run when the monitor is younger than the range. */
      span() {
        const from = Date.parse(this.data.from);
        const to = Date.parse(this.data.to);
        const first = this.data.points.find((p) => p.runs > 0)?.t;
        if (first === undefined) return { min: from, max: to };
        const margin = Math.max(this.data.stepSeconds * 1000 * 2, (to - first) * 0.05);
        return { min: Math.max(from, first - margin), max: to };
      },
      render() {
        if (!this.data || !window.ApexCharts) return;
        for (const chart of this.charts) chart.destroy();
        const span = this.span();
        const points = this.data.points.filter((p) => p.t >= span.min - this.data.stepSeconds * 1000);
        const axis = timeAxis(span.max - span.min);
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
          xaxis: { type: "datetime", labels: axis.labels, min: span.min, max: span.max },
          legend: { position: "top" },
          dataLabels: { enabled: false },
          noData: { text: "No runs in this range" },
        };
        const runs = points.filter((p) => p.runs > 0).length;
        const hasData = runs > 0;
        const loss = new window.ApexCharts(this.$refs.loss, {
          ...base,
          chart: { ...base.chart, id: `monitor-loss-${initial.id}`, type: "area" },
          series: hasData ? [{ name: "Packet loss", data: points.map((p) => [p.t, p.loss]) }] : [],
          colors: [themeColor("--bad")],
          stroke: { width: 1.5, curve: "straight" },
          fill: { opacity: 0.25, type: "solid" },
          markers: { size: runs < 40 ? 3 : 0 },
          yaxis: {
            min: 0,
            max: (max) => Math.max(5, Math.ceil(max)),
            labels: { formatter: (v) => (v === null || v === undefined ? "–" : `${v.toFixed(0)}%`) },
          },
          tooltip: {
            x: { formatter: axis.tooltip },
            y: { formatter: (v) => (v === null || v === undefined ? "no runs" : units.percent(v)) },
          },
        });
        const slowest = Math.max(0, ...points.map((p) => p.max ?? 0));
        const tickStep = slowest > 0 ? slowest / 5 : 1;
        const band = points.map((p) => ({ x: p.t, y: p.min === null ? null : [p.min, p.max] }));
        const line = (key) => points.map((p) => ({ x: p.t, y: p[key] }));
        const latency = new window.ApexCharts(this.$refs.rtt, {
          ...base,
          chart: { ...base.chart, id: `monitor-rtt-${initial.id}`, type: "rangeArea" },
          series: hasData
            ? [
                { type: "rangeArea", name: "Fastest–slowest", data: band },
                { type: "line", name: "Median", data: line("p50") },
                { type: "line", name: "95th percentile", data: line("p95") },
              ]
            : [],
          colors: [themeColor("--latency"), themeColor("--accent-strong"), themeColor("--warn")],
          fill: { opacity: [0.25, 1, 1] },
          stroke: { width: [0, 2, 1.5], curve: "straight", dashArray: [0, 0, 4] },
          markers: { size: runs < 40 ? [0, 3, 2] : 0 },
          yaxis: {
            min: 0,
            forceNiceScale: true,
            labels: { formatter: (v) => (v === null || v === undefined ? "–" : units.tick(v, tickStep)) },
            title: { text: "ms" },
          },
          tooltip: {
            shared: true,
            x: { formatter: axis.tooltip },
            y: {
              formatter: (v) =>
                v === null || v === undefined
                  ? "–"
                  : Array.isArray(v)
                    ? `${units.ms(v[0])}–${units.ms(v[1])} ms`
                    : `${units.ms(v)} ms`,
            },
          },
        });
        this.charts = [loss, latency];
        return Promise.all([loss.render(), latency.render()]);
      },
    }));
  });
})();
