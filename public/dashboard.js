// Dashboard: history chart with ranges, metric toggles and a server filter; refetches when a test finishes.
(() => {
  const { chartTheme, getJson, listen, themeColor } = window.netronome;

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("historyChart", (initial) => ({
      range: initial.range,
      serverId: "",
      metrics: { download: true, upload: true, latency: true, jitter: false },
      chart: null,
      loading: false,
      error: "",
      data: null,

      init() {
        this.load();
        this.stop = listen({ events: { "speedtest-finished": () => this.load() }, onTheme: () => this.render() });
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
