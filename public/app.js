// Shared by every page, loaded deferred after htmx and before the page's own scripts and Alpine: timestamps in the
// viewer's timezone, and on window.netronome the helpers the pages' Alpine components use.
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

    /**
     * Calls events[name](data) for each named event of the page's /events stream, and onTheme() when the user
     * switches the theme. Returns a function that stops listening, for the component's destroy().
     */
    listen({ events = {}, onTheme }) {
      const listeners = Object.entries(events).map(([name, handler]) => [name, (event) => handler(eventData(event))]);
      for (const [name, listener] of listeners) window.addEventListener(name, listener);
      if (onTheme) document.addEventListener("netronome:theme", onTheme);
      return () => {
        for (const [name, listener] of listeners) window.removeEventListener(name, listener);
        if (onTheme) document.removeEventListener("netronome:theme", onTheme);
      };
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
  document.addEventListener("DOMContentLoaded", () => {
    localiseTimes();
    // On a narrow screen the navigation scrolls sideways: keep the current page's entry in view.
    document.querySelector(".nav [aria-current]")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
  document.addEventListener("htmx:after:swap", () => localiseTimes());
  setInterval(() => {
    for (const el of document.querySelectorAll('time[data-local="relative"]')) localiseTimes(el.parentElement);
  }, 30_000);
})();
