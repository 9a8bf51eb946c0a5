// linecast.js: a plain-JavaScript client for linecast over WebSocket (GET /ws
// on the HTTP port, default 7401). No framework, no build step; an ES module.
//
//   import { LinecastClient } from "./linecast.js";
//   const client = new LinecastClient("ws://127.0.0.1:7401/ws", {
//     token: "…",                                   // optional: sent as ?token=
//     onMessage: (channel, payload) => console.log(channel, payload),
//     onState: (state) => console.log(state),       // "connecting" | "open" | "closed"
//     onError: (text) => console.warn(text),        // the text of an -ERR line
//   });
//   client.subscribe("room1.>");                    // remembered, sent again after a reconnect
//   await client.ping();                            // resolves once the SUB is active
//   client.publish("room1.tv.volume", "42");
//
// The wire: each WebSocket message from the client holds one or more lines
// of the line protocol (docs/PROTOCOL.md); each line from the server
// ("MSG <channel> <payload>", "PONG", "-ERR …", "+OK") arrives as one message
// without its "\n". A payload that is not UTF-8 arrives as a binary message.

/** Splits one server line; returns {type: "msg"|"pong"|"err"|"ok"|"other", ...}. */
export function parseLine(line) {
  if (line.startsWith("MSG ")) {
    const rest = line.slice(4);
    const sp = rest.indexOf(" ");   // the channel never holds a space; the payload may
    return sp < 0 ? { type: "msg", channel: rest, payload: "" }
                  : { type: "msg", channel: rest.slice(0, sp), payload: rest.slice(sp + 1) };
  }
  if (line === "PONG" || line.startsWith("PONG ")) return { type: "pong", text: line.slice(5) };
  if (line.startsWith("-ERR")) return { type: "err", text: line.slice(4).trim() };
  if (line.startsWith("+OK")) return { type: "ok", text: line.slice(3).trim() };
  return { type: "other", text: line };
}

// One SUB line per pattern, in one message.
function subLines(patterns) {
  return [...patterns].map((p) => "SUB " + p).join("\n");
}

/** ws://host/ws or wss://host/ws for the page this script runs in. */
export function sameOriginUrl(path = "/ws") {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
}

export class LinecastClient {
  constructor(url, options = {}) {
    this.url = options.token
      ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(options.token)
      : url;
    this.onMessage = options.onMessage || (() => {});
    this.onState = options.onState || (() => {});
    this.onError = options.onError || (() => {});
    this.minDelay = options.minDelay ?? 500;     // ms, first retry
    this.maxDelay = options.maxDelay ?? 15000;   // ms, the cap
    this.patterns = new Set();
    this.ws = null;
    this.failures = 0;
    this.closed = false;
    this.timer = 0;
    this.pings = new Map();   // tag -> {resolve, reject, timer}
    this.seq = 0;
    this.decoder = new TextDecoder();
    this.connect();
  }

  get connected() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  connect() {
    this.onState("connecting");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.failures = 0;
      this.onState("open");
      // Subscriptions do not outlive a connection: send them all again, one
      // SUB line each (one message), so that one refused pattern refuses only itself.
      if (this.patterns.size) ws.send(subLines(this.patterns));
    };
    ws.onmessage = (ev) => {
      const line = typeof ev.data === "string" ? ev.data : this.decoder.decode(ev.data);
      const m = parseLine(line);
      if (m.type === "msg") this.onMessage(m.channel, m.payload);
      else if (m.type === "pong") this.settle(m.text, null);
      else if (m.type === "err") this.onError(m.text);
    };
    ws.onerror = () => {};   // onclose follows and reconnects
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const tag of [...this.pings.keys()]) this.settle(tag, new Error("connection closed"));
      this.onState("closed");
      if (this.closed) return;
      // Exponential back-off, capped, with jitter (half fixed, half random).
      const cap = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.failures++, 16));
      this.timer = setTimeout(() => this.connect(), cap / 2 + Math.random() * cap / 2);
    };
  }

  /** SUB: takes effect now if connected, and after every reconnect. */
  subscribe(...patterns) {
    for (const p of patterns) this.patterns.add(p);
    this.sendLine(subLines(patterns));
  }

  unsubscribe(...patterns) {
    for (const p of patterns) this.patterns.delete(p);
    this.sendLine("UNSUB " + patterns.join(" "));
  }

  /** PUB; false when not connected (nothing is queued while offline). */
  publish(channel, payload) {
    if (/[\s]/.test(channel) || /[\r\n]/.test(payload)) throw new Error("channel without spaces, payload of one line");
    return this.sendLine(`PUB ${channel} ${payload}`);
  }

  /** PING as a barrier: resolves when every earlier command took effect. */
  ping(timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const tag = "js" + (++this.seq);
      if (!this.sendLine("PING " + tag)) { reject(new Error("not connected")); return; }
      const timer = setTimeout(() => this.settle(tag, new Error("no PONG")), timeoutMs);
      this.pings.set(tag, { resolve, reject, timer });
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  sendLine(line) {
    if (!this.connected) return false;
    this.ws.send(line);
    return true;
  }

  settle(tag, error) {
    const p = this.pings.get(tag);
    if (!p) return;
    this.pings.delete(tag);
    clearTimeout(p.timer);
    if (error) p.reject(error); else p.resolve();
  }
}
