// Speed Test page: provider choice, live gauge and throughput line, driven by the page's SSE stream.
(() => {
  const { chartTheme, listen, themeColor } = window.netronome;

  function niceScale(value) {
    for (const step of [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000])
      if (value <= step) return step;
    return Math.ceil(value / 100000) * 100000;
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("speedTest", (initial) => ({
      provider: initial.provider,
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
        this.stop = listen({
          events: {
            "speedtest-started": (data) => this.onStarted(data),
            "speedtest-progress": (data) => this.onProgress(data),
            "speedtest-finished": (data) => this.onFinished(data),
            "speedtest-cancelled": () => this.onCancelled(),
            "speedtest-rejected": (data) => this.onRejected(data),
          },
          onTheme: () => this.renderChart(),
        });
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
        const direction = progress.phase === "download" ? "Downloading from" : "Uploading to";
        this.statusText = `${direction} ${run.serverName}: ${Math.round(progress.phasePercent)}%`;
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
  });
})();
