// A small client of the Vert.x SockJS event-bus bridge, written for this app: requests with
// replies as promises, subscriptions that survive reconnects, pings, and automatic reconnect
// with capped exponential backoff. It speaks the bridge's JSON frames:
//   out: {"type":"register"|"unregister","address"}, {"type":"send","address","body","replyAddress"},
//        {"type":"ping"}
//   in:  {"type":"rec","address","body"}; a failure reply {"type":"err","address","failureCode",
//        "failureType","message"}; a refusal {"type":"err","body":"access_denied"|"rejected"}

const PING_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** A random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A failure reply from the server, or a request that got no answer. */
export class BusError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class EventBus {
  /**
   * @param {string} url the bridge's SockJS URL, e.g. "/eventbus"
   * @param {object} hooks onState(state, detail) with state "connecting" | "connected" |
   *   "reconnecting" | "offline"; onOpen() after each (re)connect, once subscriptions are
   *   re-sent; onClose(event) for every close; onAccessDenied(frame)
   */
  constructor(url, hooks = {}) {
    this.url = url;
    this.hooks = hooks;
    this.handlers = new Map(); // address -> Set<handler>
    this.pending = new Map(); // replyAddress -> {resolve, reject, timer}
    this.sock = null;
    this.state = "connecting";
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.closedForGood = false;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => {
      // The browser knows the network is gone: do not wait for a dead socket to time out.
      this.setState("offline");
      if (this.sock) {
        this.sock.close();
      }
    };
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
  }

  get connected() {
    return this.state === "connected";
  }

  open() {
    this.closedForGood = false;
    this.connect();
  }

  /** Closes the socket and stops reconnecting (sign-out). */
  shutdown() {
    this.closedForGood = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    if (this.sock) {
      this.sock.close();
    }
    this.failPending("closed");
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const sock = new window.SockJS(this.url);
    this.sock = sock;
    sock.onopen = () => {
      if (sock !== this.sock) {
        return;
      }
      this.attempt = 0;
      for (const address of this.handlers.keys()) {
        this.write({ type: "register", address });
      }
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.write({ type: "ping" }), PING_MS);
      this.setState("connected");
      this.hooks.onOpen?.();
    };
    sock.onmessage = (event) => {
      if (sock === this.sock) {
        this.receive(event.data);
      }
    };
    sock.onclose = (event) => {
      if (sock !== this.sock) {
        return;
      }
      this.sock = null;
      clearInterval(this.pingTimer);
      this.failPending("connection lost");
      this.hooks.onClose?.(event);
      if (!this.closedForGood) {
        this.scheduleReconnect();
      }
    };
  }

  scheduleReconnect() {
    this.attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.attempt - 1));
    // Full jitter on the upper half, so many clients of a restarted node do not return together.
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    this.setState(navigator.onLine === false ? "offline" : "reconnecting", { retryInMs: delay, attempt: this.attempt });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.closedForGood || this.sock) {
      return;
    }
    this.connect();
  }

  setState(state, detail = {}) {
    this.state = state;
    this.hooks.onState?.(state, detail);
  }

  write(frame) {
    if (this.sock && this.sock.readyState === 1) {
      this.sock.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    // A failure reply comes as {"type":"err","address":replyAddress,"failureCode","message"};
    // an "err" without a waiting reply address is a refused register or send ("access_denied").
    const waiting = frame.address === undefined ? null : this.pending.get(frame.address);
    if (frame.type === "err" && !waiting) {
      this.hooks.onAccessDenied?.(frame);
      return;
    }
    if (frame.type !== "rec" && frame.type !== "err") {
      return;
    }
    if (waiting) {
      this.pending.delete(frame.address);
      clearTimeout(waiting.timer);
      if (frame.failureCode !== undefined || frame.type === "err") {
        waiting.reject(new BusError(frame.failureCode ?? -1, frame.message || "failed"));
      } else {
        waiting.resolve(frame.body);
      }
      return;
    }
    const handlers = this.handlers.get(frame.address);
    if (handlers) {
      for (const handler of handlers) {
        handler(frame.body);
      }
    }
  }

  /** Sends a request and resolves with the reply's body, or rejects with a {@link BusError}. */
  request(address, body) {
    return new Promise((resolve, reject) => {
      const replyAddress = randomId();
      if (!this.write({ type: "send", address, body, replyAddress })) {
        reject(new BusError(0, "not connected"));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(replyAddress);
        reject(new BusError(0, "no answer from the server"));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(replyAddress, { resolve, reject, timer });
    });
  }

  /** Sends without expecting a reply; false when not connected. */
  send(address, body) {
    return this.write({ type: "send", address, body });
  }

  /** Subscribes; the subscription is re-registered on every reconnect. Returns an unsubscribe function. */
  subscribe(address, handler) {
    let set = this.handlers.get(address);
    if (!set) {
      set = new Set();
      this.handlers.set(address, set);
      this.write({ type: "register", address });
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(address) === set) {
        this.handlers.delete(address);
        this.write({ type: "unregister", address });
      }
    };
  }

  failPending(why) {
    for (const [address, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new BusError(0, why));
      this.pending.delete(address);
    }
  }
}
