// Speed Test page: provider choice, live gauge and throughput line, driven by the page's SSE stream.
//
// The live card follows one run at a time by its ID. Every connection of the stream starts with a snapshot (the
// running test, or how the last one ended), so a page that opened late, or whose stream was away while the test
// ended, still arrives at the right state; events of a run that has ended are ignored, in whatever order they come.
(() => {
  const { chartTheme, listen, renderedAt, themeColor, timeAxis, track, units } = window.netronome;

  /** A round gauge scale in Mbit/s at or above `value`. */
  function niceScale(value) {
    for (const step of [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 40000, 100000, 400000])
      if (value <= step) return step;
    return Math.ceil(value / 100000) * 100000;
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("speedTest", (initial) => {
      // Runs whose outcome the page has shown: late or repeated events about them change nothing.
      const ended = new Set();
      return {
        provider: initial.provider,
        host: "",
        running: false,
        cancelling: false,
        runId: null,
        run: null,
        phase: "idle",
        mbps: 0,
        latency: null,
        percent: 0,
        scale: 100,
        statusText: "Ready. Choose a provider and start a test.",
        status: "idle",
        udp: false,
        figures: { latency: null, jitter: null, download: null, upload: null, loss: null },
        points: { download: [], upload: [] },
        /** Providers whose server list failed to load: without a list no server can be chosen. */
        listFailed: {},
        chart: null,
        chartUnit: null,
        chartHasPoints: false,

        init() {
          if (initial?.current) this.onSnapshot({ current: initial.current, last: null });
          this.$nextTick(() => this.renderChart());
          this.stop = listen({
            events: {
              "speedtest-snapshot": (data) => this.onSnapshot(data),
              "speedtest-started": (data) => this.onStarted(data),
              "speedtest-progress": (data) => this.onProgress(data),
              "speedtest-finished": (data) => this.onFinished(data),
              "speedtest-cancelled": (data) => this.onCancelled(data),
              "speedtest-rejected": (data) => this.onRejected(data),
            },
            onTheme: () => this.renderChart(),
          });
        },
        destroy() {
          this.stop?.();
          this.chart?.destroy();
        },

        get canStart() {
          return !this.running && !this.listFailed[this.provider];
        },
        get gaugeFraction() {
          const f = this.phase === "latency" ? (this.latency ?? 0) / 200 : this.mbps / this.scale;
          return Math.max(0, Math.min(1, f || 0));
        },
        /** The coloured arc: a dash as long as the value, none at all for zero (a round cap would draw a dot). */
        get gaugeDash() {
          return `${this.gaugeFraction * 100} 200`;
        },
        get gaugeNumber() {
          if (this.status === "idle") return "–";
          if (this.phase === "latency") return units.ms(this.latency);
          return units.rateParts(this.mbps).value;
        },
        get gaugeUnit() {
          return this.phase === "latency" ? "ms latency" : units.rateParts(this.mbps).unit;
        },
        get gaugeLabel() {
          return `${this.gaugeNumber} ${this.gaugeUnit}`;
        },
        get scaleLabel() {
          return `scale 0–${units.rate(this.scale)}`;
        },
        get statusLabel() {
          if (this.cancelling) return "Cancelling";
          return { idle: "Idle", running: "Running", done: "Done", failed: "Failed", cancelled: "Cancelled" }[
            this.status
          ];
        },
        get badgeClass() {
          return (
            { running: "badge-info", done: "badge-ok", failed: "badge-bad", cancelled: "badge-warn" }[this.status] ?? ""
          );
        },
        rate(v) {
          return units.rateParts(v).value;
        },
        rateUnit(v) {
          return units.rateParts(v).unit;
        },
        ms(v) {
          return units.ms(v);
        },
        pct(v) {
          return units.percent(v);
        },

        /** The server list fragment reports whether it loaded (x-init), so Start waits for a usable list. */
        serverList(testType, ok) {
          this.listFailed = { ...this.listFailed, [testType]: !ok };
        },
        clearMessage() {
          document.getElementById("run-message")?.replaceChildren();
        },
        requestCancel() {
          if (this.running) this.cancelling = true;
        },

        onSnapshot({ current, last }) {
          if (current) {
            this.onStarted({ run: current.run });
            if (current.progress) this.onProgress({ run: current.run, progress: current.progress });
            return;
          }
          // A test that started and ended between the page's rendering and its stream's connection.
          if (!this.running && last && last.at > renderedAt() && !ended.has(last.run.id)) {
            this.runId = last.run.id;
            this.running = true;
          }
          if (!this.running) return;
          // The test this page followed has ended while its stream was away.
          if (last && last.run.id === this.runId) {
            if (last.outcome === "finished") this.onFinished(last);
            else if (last.outcome === "cancelled") this.onCancelled(last);
            else this.onRejected(last);
          } else {
            this.end(this.runId, "done");
            this.statusText = "The test has ended; its result is in the table below.";
          }
          document.body.dispatchEvent(new CustomEvent("stream-resync", { bubbles: true }));
        },
        onStarted({ run }) {
          if (ended.has(run.id) || (this.running && this.runId === run.id)) return;
          this.running = true;
          this.cancelling = false;
          this.runId = run.id;
          this.run = run;
          this.status = "running";
          this.phase = "latency";
          this.mbps = 0;
          this.latency = null;
          this.percent = 0;
          this.scale = 100;
          this.udp = false;
          this.figures = { latency: null, jitter: null, download: null, upload: null, loss: null };
          this.points = { download: [], upload: [] };
          this.statusText = `${run.isScheduled ? "Scheduled test" : "Testing"} against ${run.serverName}: measuring latency…`;
          this.clearMessage();
          this.updateChart();
        },
        onProgress({ run, progress }) {
          if (ended.has(run.id)) return;
          if (this.runId !== run.id || !this.running) this.onStarted({ run });
          this.phase = progress.phase;
          this.percent = progress.percent;
          if (progress.phase === "latency") {
            if (progress.latencyMs !== undefined) {
              this.latency = progress.latencyMs;
              this.figures.latency = progress.latencyMs;
            }
            if (!this.cancelling) this.statusText = `Measuring latency to ${run.serverName}…`;
            return;
          }
          this.mbps = progress.mbps ?? 0;
          this.scale = Math.max(this.scale, niceScale(this.mbps));
          this.figures[progress.phase] = this.mbps;
          const direction = progress.phase === "download" ? "Downloading from" : "Uploading to";
          if (!this.cancelling)
            this.statusText = `${direction} ${run.serverName}: ${Math.round(progress.phasePercent)}%`;
          this.points[progress.phase].push([Date.now(), this.mbps]);
          this.updateChart();
        },
        /** Marks `runId` as over; false when it already was (a repeated or late outcome). */
        end(runId, status) {
          if (ended.has(runId)) return false;
          ended.add(runId);
          if (this.runId !== runId && this.running) return false;
          this.runId = runId;
          this.running = false;
          this.cancelling = false;
          this.phase = "idle";
          this.status = status;
          this.clearMessage();
          return true;
        },
        onFinished({ run, result }) {
          if (!this.end(run.id, result.error ? "failed" : "done")) return;
          this.udp = Boolean(result.udp);
          this.figures = {
            latency: result.latency,
            jitter: result.jitter,
            download: result.downloadSpeed,
            upload: result.uploadSpeed,
            loss: result.packetLoss,
          };
          if (result.error) {
            this.mbps = 0;
            this.statusText = `The test against ${result.serverName} failed: ${result.error}`;
            return;
          }
          this.percent = 100;
          this.mbps = result.downloadSpeed ?? result.uploadSpeed ?? 0;
          this.scale = Math.max(this.scale, niceScale(this.mbps));
          const parts = [];
          if (result.downloadSpeed !== null) parts.push(`${units.rate(result.downloadSpeed)} down`);
          if (result.uploadSpeed !== null) parts.push(`${units.rate(result.uploadSpeed)} up`);
          if (result.latency !== null) parts.push(`${units.ms(result.latency)} ms latency`);
          if (result.udp) {
            parts.push(`${units.percent(result.packetLoss)} loss`, `${units.ms(result.jitter)} ms jitter`);
            this.statusText = `Done (UDP at a fixed send rate: received rates, not capacity): ${parts.join(", ")} (${result.serverName}).`;
          } else {
            this.statusText = `Done: ${parts.join(", ")} (${result.serverName}).`;
          }
        },
        onCancelled({ run }) {
          if (!this.end(run.id, "cancelled")) return;
          this.mbps = 0;
          this.statusText = "The test was cancelled; nothing was saved.";
        },
        onRejected({ run, message }) {
          if (!this.end(run.id, "failed")) return;
          this.mbps = 0;
          this.statusText = message;
        },

        renderChart() {
          if (!this.$refs.chart || !window.ApexCharts) return;
          this.chart?.destroy();
          this.chartUnit = this.axisUnit();
          this.chartHasPoints = this.hasPoints();
          const theme = chartTheme();
          const axis = timeAxis(60_000);
          this.chart = new window.ApexCharts(this.$refs.chart, {
            chart: {
              type: "line",
              height: 170,
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
            xaxis: {
              type: "datetime",
              labels: { ...axis.labels, show: this.chartHasPoints },
              axisTicks: { show: this.chartHasPoints },
              tooltip: { enabled: false },
            },
            yaxis: {
              show: this.chartHasPoints,
              min: 0,
              forceNiceScale: true,
              labels: { formatter: (v) => this.axisLabel(v) },
              title: { text: this.axisUnit() },
            },
            grid: { borderColor: theme.grid },
            legend: { position: "top" },
            tooltip: { x: { formatter: axis.tooltip }, y: { formatter: (v) => units.rate(v) } },
            noData: { text: "Throughput appears here during a test" },
          });
          track(Promise.resolve(this.chart.render()));
        },
        axisUnit() {
          return units.rateScale(this.scale).unit;
        },
        axisLabel(v) {
          if (v === null || v === undefined) return "";
          const { divisor } = units.rateScale(this.scale);
          const value = v / divisor;
          return value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1);
        },
        series() {
          // Plain copies: ApexCharts must not hold Alpine's reactive proxies.
          return [
            { name: "Download", data: this.points.download.map((p) => [p[0], p[1]]) },
            { name: "Upload", data: this.points.upload.map((p) => [p[0], p[1]]) },
          ];
        },
        hasPoints() {
          return this.points.download.length + this.points.upload.length > 0;
        },
        updateChart() {
          if (!this.chart) return;
          // Axes appear with the first point, and switch to Gbit/s once the scale passes 1000 Mbit/s: both need a
          // new chart, not just new data.
          if (this.chartUnit !== this.axisUnit() || this.chartHasPoints !== this.hasPoints()) return this.renderChart();
          this.chart.updateSeries(this.series(), false);
        },
      };
    });
  });
})();
