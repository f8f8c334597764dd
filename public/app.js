// Shared by every page, loaded deferred after units.js and htmx, before the page's own scripts and Alpine: on
// window.netronome the helpers the pages' Alpine components use, relative times kept current, the state of the
// page's event stream, and the page-ready marker (body[data-ready]) that tests and scripts wait for.
(() => {
  const units = window.netronomeUnits;
  const isDark = () => (window.netronomeTheme ? window.netronomeTheme() === "dark" : false);
  const timezone = () => document.body.dataset.timezone || undefined;
  /** When the server rendered the page (ms): state from before it is already on the page. */
  const renderedAt = () => Number(document.body.dataset.renderedAt) || 0;

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

  // ---- page ready: Alpine has started, the event stream (if the page has one) has sent its snapshot, and the
  // requests and loads started while the page came up have finished.
  const pending = new Set();
  let alpineStarted = false;
  let streamReady = false;
  const hasStream = () => document.querySelector("[hx-sse\\:connect]") !== null;
  function checkReady() {
    if (document.body.dataset.ready) return;
    if (alpineStarted && (streamReady || !hasStream()) && pending.size === 0) document.body.dataset.ready = "true";
  }
  const later = () => setTimeout(checkReady, 0);
  document.addEventListener("alpine:initialized", () => {
    alpineStarted = true;
    later();
  });
  document.addEventListener("htmx:before:request", (event) => {
    if (!document.body.dataset.ready) pending.add(event.detail?.ctx ?? event);
  });
  document.addEventListener("htmx:finally:request", (event) => {
    if (pending.delete(event.detail?.ctx ?? event)) later();
  });

  // ---- the event stream: the server starts every connection with a snapshot and then "stream-ready". A second
  // "stream-ready" means the stream reconnected and events may have been missed, and the first says whether events
  // came between the page's rendering and the connection: then "stream-resync" on <body> tells components and htmx
  // triggers (`stream-resync from:body`) to reload what they show.
  let connections = 0;
  window.addEventListener("stream-ready", (event) => {
    connections++;
    streamReady = true;
    later();
    // The first connection also reports whether anything happened between the page's rendering and it.
    if (connections > 1 || eventData(event)?.missed)
      document.body.dispatchEvent(new CustomEvent("stream-resync", { bubbles: true }));
  });

  // hx-sse reconnects a stream that was open, but gives up on a first connection that failed (the server restarting
  // under the page, a proxy's 502): the page would never go live. Try again, 1 s and doubling up to 30 s apart.
  // (hx-sse opens the stream before the request's htmx:finally:request, so `streamOpened` is set by then.)
  let streamOpened = false;
  let failedConnects = 0;
  document.addEventListener("htmx:sse:after:connection", () => {
    streamOpened = true;
  });
  document.addEventListener("htmx:finally:request", (event) => {
    const source = event.detail?.ctx?.sourceElement;
    if (streamOpened || !source?.matches("[hx-sse\\:connect]")) return;
    const delay = Math.min(1000 * 2 ** failedConnects++, 30_000);
    setTimeout(() => {
      if (!streamOpened && source.isConnected) window.htmx.process(source, true);
    }, delay);
  });

  window.netronome = {
    units,
    themeColor,
    timezone,
    renderedAt,

    /** ApexCharts theme settings for the current light or dark theme. */
    chartTheme() {
      return {
        mode: isDark() ? "dark" : "light",
        background: "transparent",
        foreColor: themeColor("--muted"),
        grid: themeColor("--border"),
      };
    },

    /** ApexCharts x-axis label and tooltip formatters that show times in the configured timezone. */
    timeAxis(spanMs) {
      const style = spanMs > 2 * 86_400_000 ? "short" : "time";
      const label = (value) => {
        if (value === undefined || value === null) return "";
        const text = units.dateTime(value, timezone(), style);
        // Seconds only where they tell ticks apart (spans up to 10 minutes).
        return style === "time" && spanMs > 600_000 ? text.slice(0, 5) : text;
      };
      return {
        labels: { formatter: (_text, value) => label(value ?? _text), datetimeUTC: true, hideOverlappingLabels: true },
        tooltip: (value) => units.dateTime(value, timezone()),
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

    /** Holds the page-ready marker until `promise` settles; for the loads a component starts when it comes up. */
    track(promise) {
      if (document.body.dataset.ready) return promise;
      pending.add(promise);
      const done = () => {
        pending.delete(promise);
        later();
      };
      promise.then(done, done);
      return promise;
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

  // Relative times ("8 seconds ago") rendered by the server stay current.
  function refreshRelativeTimes(root = document) {
    const now = Date.now();
    for (const el of root.querySelectorAll("time[data-relative]")) {
      const date = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(date.getTime())) el.textContent = units.relative(date, now);
    }
  }
  document.addEventListener("htmx:after:swap", () => refreshRelativeTimes());
  setInterval(refreshRelativeTimes, 5_000);
  // Where the navigation scrolls sideways (a narrow window between the phone's tiles and the full bar), the current
  // page's entry stays in view.
  document.addEventListener("DOMContentLoaded", () =>
    document.querySelector(".nav [aria-current]")?.scrollIntoView({ block: "nearest", inline: "nearest" }),
  );
})();
