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
        return `${initial.base}/monitors?host=${encodeURIComponent(this.destination)}`;
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
