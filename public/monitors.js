// Packet-loss monitors panel (Traceroute page): live status from the page's event stream, the schedule form,
// per-monitor loss and RTT charts, and results that refresh when a run of their monitor finishes.
(() => {
  const { chartTheme, getJson, listen, themeColor } = window.netronome;
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
        const running = (update) => {
          this.live[update.monitorId] = update;
        };
        // htmx replaces the panel after every action: the replaced component must stop listening (destroy).
        this.stop = listen({
          events: {
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
        this.stop = listen({
          events: {
            "packetloss-finished": (update) => {
              if (update.monitorId !== initial.id || initial.page !== 1) return;
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
        this.load();
        this.stop = listen({
          events: {
            "packetloss-finished": (update) => {
              if (update.monitorId === initial.id) this.load();
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
