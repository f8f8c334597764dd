// Dashboard: the running-test banner, and the history chart with ranges, metric toggles and a server filter, which
// reloads when a test finishes or the event stream had to reconnect.
(() => {
  const { chartTheme, getJson, listen, themeColor, timeAxis, track, units } = window.netronome;

  /** The time span the chart shows: the whole range, or just the data when it covers less (plus a margin). */
  function xSpan(data) {
    const to = data.to;
    const first = data.points[0]?.t;
    if (first === undefined) return { min: data.from ?? to - 86_400_000, max: to };
    const from = data.from ?? first;
    const margin = Math.max(60_000, (to - first) * 0.05);
    return { min: Math.max(from, first - margin), max: to };
  }

  document.addEventListener("alpine:init", () => {
    // What a speed test running anywhere (a schedule, another browser) is doing, from the event stream.
    window.Alpine.data("runningTest", () => {
      const ended = new Set();
      return {
        run: null,
        text: "",
        percent: 0,
        init() {
          this.stop = listen({
            events: {
              "speedtest-snapshot": ({ current }) => {
                if (current) this.update(current.run, current.progress);
                else this.run = null;
              },
              "speedtest-started": ({ run }) => this.update(run),
              "speedtest-progress": ({ run, progress }) => this.update(run, progress),
              "speedtest-finished": ({ run }) => this.end(run),
              "speedtest-cancelled": ({ run }) => this.end(run),
              "speedtest-rejected": ({ run }) => this.end(run),
            },
          });
        },
        destroy() {
          this.stop?.();
        },
        update(run, progress) {
          if (ended.has(run.id)) return;
          this.run = run;
          this.percent = progress?.percent ?? 0;
          const who = run.isScheduled ? "A scheduled speed test" : "A speed test";
          const phase = progress?.phase ?? "latency";
          const doing =
            phase === "latency"
              ? "measuring latency"
              : `${phase === "download" ? "downloading" : "uploading"}${progress?.mbps !== undefined ? ` at ${units.rate(progress.mbps)}` : ""}`;
          this.text = `${who} against ${run.serverName} is running: ${doing} (${Math.round(this.percent)}%).`;
        },
        end(run) {
          ended.add(run.id);
          if (this.run?.id === run.id) this.run = null;
        },
      };
    });

    window.Alpine.data("historyChart", (initial) => ({
      range: initial.range,
      serverId: "",
      metrics: { download: true, upload: true, latency: true, jitter: false },
      chart: null,
      loading: false,
      error: "",
      data: null,

      init() {
        track(this.load());
        this.stop = listen({
          events: { "speedtest-finished": () => this.load(), "stream-resync": () => this.load() },
          onTheme: () => this.render(),
        });
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
          await this.render();
        } catch (e) {
          this.error = `Could not load the chart: ${e.message}`;
        } finally {
          this.loading = false;
        }
      },
      render() {
        if (!this.data || !this.$refs.chart || !window.ApexCharts) return;
        const points = this.data.points;
        const defs = [
          { key: "download", name: "Download", color: themeColor("--download"), axis: 0 },
          { key: "upload", name: "Upload", color: themeColor("--upload"), axis: 0 },
          { key: "latency", name: "Latency", color: themeColor("--latency"), axis: 1 },
          { key: "jitter", name: "Jitter", color: themeColor("--jitter"), axis: 1 },
        ].filter((d) => this.metrics[d.key]);
        const largest = (keys) => Math.max(0, ...points.flatMap((p) => keys.map((k) => p[k] ?? 0)));
        const rateMax = largest(["download", "upload"]);
        const rateScale = units.rateScale(rateMax);
        const rateStep = rateMax > 0 ? rateMax / 5 : 1;
        const timeMax = largest(["latency", "jitter"]);
        // Ticks of a time axis with a largest value below 1 ms need decimals to tell 0.05 from 0.10.
        const timeStep = timeMax > 0 ? timeMax / 5 : 1;
        const series = defs.map((d) => ({ name: d.name, data: points.map((p) => [p.t, p[d.key]]) }));
        const hasRate = defs.some((d) => d.axis === 0);
        const yaxis = defs.map((d, i) => {
          const firstOfAxis = defs.findIndex((x) => x.axis === d.axis) === i;
          const rate = d.axis === 0;
          return {
            seriesName: defs.find((x) => x.axis === d.axis).name,
            show: firstOfAxis,
            opposite: !rate && hasRate,
            min: 0,
            forceNiceScale: true,
            title: { text: rate ? rateScale.unit : "ms" },
            labels: {
              formatter: (v) => {
                if (v === null || v === undefined) return "–";
                if (!rate) return units.tick(v, timeStep);
                return units.tick(v / rateScale.divisor, rateStep / rateScale.divisor);
              },
            },
          };
        });
        const span = xSpan(this.data);
        const axis = timeAxis(span.max - span.min);
        const theme = chartTheme();
        this.chart?.destroy();
        this.chart = new window.ApexCharts(this.$refs.chart, {
          chart: {
            id: "history",
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
          markers: { size: points.length < 60 ? 4 : 0 },
          xaxis: { type: "datetime", min: span.min, max: span.max, labels: axis.labels },
          yaxis: yaxis.length ? yaxis : [{ show: false }],
          // Room above the plot for the zoom tools, which would sit on the top axis labels.
          grid: { borderColor: theme.grid, padding: { top: 24 } },
          // The coloured metric toggles above the chart are its legend.
          legend: { show: false },
          tooltip: {
            shared: true,
            x: { formatter: axis.tooltip },
            y: {
              formatter: (v, { seriesIndex }) =>
                v === null || v === undefined
                  ? "–"
                  : defs[seriesIndex]?.axis === 0
                    ? units.rate(v)
                    : `${units.ms(v)} ms`,
            },
          },
          noData: { text: defs.length ? "No results in this range" : "Choose a metric" },
          // A phone has no room for the zoom tools beside the axes.
          responsive: [{ breakpoint: 600, options: { chart: { toolbar: { show: false } } } }],
        });
        return this.chart.render();
      },
    }));
  });
})();
