/* In-page evidence hooks (harness/pagehooks.py), installed before any page script runs.
 * Each write a page makes to a place that can keep an identifier (document.cookie, the Cookie
 * Store API, localStorage and sessionStorage by method or by property, IndexedDB, Cache
 * Storage), each call of an API that sends a request (sendBeacon, fetch, XHR, WebSocket and
 * each message sent on one, EventSource, workers, image src, form submission, <a ping>), every other resource the
 * document fetches (resource timing: CSS, fonts, preloads, media, frames, with the browser's
 * initiator type) and each connection hint is reported to the binding window.__webtrackEvidence with the page's
 * clock (Date.now(): virtual once the harness installs Playwright's clock) and, where the
 * stack shows it, the URL of the script that made it. These hooks only report: whether a
 * request really went out is seen by the browser and the audit's proxy, not here.
 * When the page goes away, a last beacon to the harness marks that every unload handler
 * has run, so the harness knows the page's parting requests have been handed over. */
(() => {
  if (window.__webtrackHooked) return;
  Object.defineProperty(window, "__webtrackHooked", { value: true });
  // Set by the consent audit only: where the parting beacon goes (its proxy answers it).
  const MARKER = window.__webtrackGone;
  // A page restored from Firefox's back-forward cache keeps running but its binding no
  // longer delivers; from then on events also wait in a backlog the harness reads.
  let restored = false;
  const backlog = [];
  Object.defineProperty(window, "__webtrackBacklog", { value: backlog });
  // The harness opens its stock page from the page itself (same process, so it sees what
  // the page stored as it closed) with the browser's own window.open, whatever the page
  // later puts in its place.
  const open = window.open;
  Object.defineProperty(window, "__webtrackOpen", {
    value: (url) => { try { return !!open.call(window, url, "_blank"); } catch (e) { return false; } },
  });
  const report = (kind, data) => {
    const event = { kind, clock: Date.now(), page: location.href, ...data };
    if (restored) backlog.push(event);
    try { window.__webtrackEvidence(event); } catch (e) { /* no binding, or the page is closing */ }
  };
  const caller = () => {
    const urls = (new Error().stack || "").match(/(?:https?|file):\/\/[^\s)@]+?(?=:\d+:\d+)/g) || [];
    return urls.length ? urls[0] : null;
  };
  // Characters of a value kept as evidence: enough for an identifier deep in a long JSON
  // blob or message (what is cut off is never judged); the stock keeps as many (KEEP in
  // pagehooks.py puts the number here).
  const KEEP = @KEEP@;
  const text = (value) => {
    try { return (typeof value === "string" ? value : JSON.stringify(value) ?? String(value)).slice(0, KEEP); } catch (e) { return String(value).slice(0, KEEP); }
  };
  const wrap = (owner, name, make) => {
    if (!owner) return;
    const original = owner[name];
    if (typeof original === "function") owner[name] = make(original);
  };

  // -- cookies -------------------------------------------------------------------------
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  // The page's clock runs ahead of the browser's (virtual time, a day ahead once the tab was
  // left open): an expiry date computed from it would be read by the cookie jar on real
  // time, so a cookie deleted with "expires=<a second ago>" would live on. Given as a
  // lifetime too (max-age, which wins over expires), it lives, or goes, as the page meant.
  const onPageClock = (t) => {
    const expires = /;\s*expires\s*=\s*([^;]*)/i.exec(t);
    if (!expires || /;\s*max-age\s*=/i.test(t)) return t;
    const at = Date.parse(expires[1]);
    return isFinite(at) ? `${t}; max-age=${Math.floor((at - Date.now()) / 1000)}` : t;
  };
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) {
      const t = String(value);
      report("cookie", { name: t.split("=")[0].trim(), value: t.slice(0, KEEP), script: caller(), api: "document.cookie" });
      return cookie.set.call(this, onPageClock(t));
    },
  });
  // The Cookie Store API takes an expiry as a moment: one on the page's clock is moved to
  // the browser's by what the page's clock runs ahead of it. Where the hooks go in before
  // Playwright's clock (the consent audit), Date.now is still the browser's here; after it,
  // the browser's time is not to be had, and the moment is left as the page gave it.
  const browserNow = globalThis.__pwClock ? null : Date.now;
  // (the members of a CookieInit, read as the browser reads them: getters too)
  const COOKIE_INIT = ["name", "value", "domain", "path", "sameSite", "partitioned"];
  if (window.CookieStore) {
    wrap(CookieStore.prototype, "set", (set) => function (name, value) {
      const init = name && typeof name === "object";
      const n = init ? name.name : name;
      const v = init ? name.value : value;
      const expires = init && name.expires != null && isFinite(Number(name.expires)) ? Number(name.expires) : null;
      const until = expires === null ? "" : `; expires=${new Date(expires).toUTCString()}`;
      report("cookie", { name: String(n), value: `${n}=${v}${until}`.slice(0, KEEP), script: caller(), api: "cookieStore" });
      if (expires === null || browserNow === null) return set.apply(this, arguments);
      const moved = {};
      for (const key of COOKIE_INIT) if (name[key] !== undefined) moved[key] = name[key];
      moved.expires = expires - Date.now() + browserNow();
      return set.call(this, moved);
    });
  }

  // -- storage -------------------------------------------------------------------------
  // Which Storage object is which, learnt as each is first handed out (the getters below).
  const storages = new WeakMap();
  const stored = (which, key, value) => report("storage", { storage: which, key: String(key), value: String(value).slice(0, KEEP), script: caller() });
  wrap(Storage.prototype, "setItem", (setItem) => function (key, value) {
    let which = storages.get(this);
    if (!which) {
      try { which = this === window.localStorage ? "localStorage" : "sessionStorage"; } catch (e) { which = "storage"; }
    }
    stored(which, key, value);
    return setItem.apply(this, arguments);
  });
  // A write by property (localStorage.id = v, Object.assign(sessionStorage, {...})) calls no
  // method: each Storage is handed out behind a proxy that reports such writes.
  for (const name of ["localStorage", "sessionStorage"]) {
    const own = Object.getOwnPropertyDescriptor(window, name) || Object.getOwnPropertyDescriptor(Window.prototype, name);
    if (!own || !own.get || !own.configurable || typeof Proxy !== "function") continue;
    let real = null, proxy = null;
    try {
      Object.defineProperty(window, name, {
        configurable: true, enumerable: own.enumerable,
        get() {
          const storage = own.get.call(window);  // a denied storage throws, as it would
          if (storage !== real) {
            real = storage;
            storages.set(storage, name);
            proxy = new Proxy(storage, {
              get: (target, key) => {
                const value = Reflect.get(target, key, target);
                return typeof value === "function" ? value.bind(target) : value;
              },
              set: (target, key, value) => {
                if (typeof key === "string") stored(name, key, value);
                target[key] = value;
                return true;
              },
              defineProperty: (target, key, descriptor) => {
                if (typeof key === "string" && "value" in descriptor) stored(name, key, descriptor.value);
                return Reflect.defineProperty(target, key, descriptor);
              },
            });
          }
          return proxy;
        },
      });
    } catch (e) { /* left as it was */ }
  }
  if (window.IDBObjectStore) {
    for (const name of ["put", "add"]) {
      wrap(IDBObjectStore.prototype, name, (original) => function (value, key) {
        let where = this.name;
        try { where = `${this.transaction.db.name}/${this.name}`; } catch (e) { /* detached */ }
        report("storage", { storage: "indexedDB", key: key === undefined ? where : `${where}/${text(key)}`, value: text(value), script: caller() });
        return original.apply(this, arguments);
      });
    }
  }
  // The history entry's state outlives the page too (a reload, back and forward), and so
  // does the address the page gives it: its query and fragment, where a page can keep an
  // identifier (its path is the page's route).
  for (const name of ["pushState", "replaceState"]) {
    wrap(History.prototype, name, (original) => function (state, unused, url) {
      if (state !== null && state !== undefined) stored("history.state", "history.state", text(state));
      if (url !== undefined && url !== null) {
        let kept = "";
        try { const to = new URL(String(url), location.href); kept = to.search + to.hash; } catch (e) { /* refused by the browser too */ }
        if (kept.length > 1) stored("history.url", "history.url", kept);
      }
      return original.apply(this, arguments);
    });
  }
  // A fragment set alone (location.hash = v, a link to #v) is kept in the entry as well, and
  // so is the state the Navigation API keeps for it.
  addEventListener("hashchange", () => {
    if (location.hash.length > 1) stored("history.url", "history.url", location.search + location.hash);
  }, true);
  if (window.Navigation && Navigation.prototype.updateCurrentEntry) {
    wrap(Navigation.prototype, "updateCurrentEntry", (original) => function (options) {
      if (options && options.state !== undefined && options.state !== null) stored("history.state", "navigation.state", text(options.state));
      return original.apply(this, arguments);
    });
  }
  // window.name outlives the page in its tab: a place to keep an identifier too.
  const windowName = Object.getOwnPropertyDescriptor(window, "name");
  if (windowName && windowName.set && windowName.configurable) {
    Object.defineProperty(window, "name", {
      configurable: true, enumerable: windowName.enumerable,
      get() { return windowName.get.call(window); },
      set(value) { stored("window.name", "window.name", value); windowName.set.call(window, value); },
    });
  }
  if (window.IDBCursor) {
    wrap(IDBCursor.prototype, "update", (original) => function (value) {
      let where = "";
      try { const store = this.source.objectStore || this.source; where = `${store.transaction.db.name}/${store.name}/${text(this.primaryKey)}`; } catch (e) { /* detached */ }
      report("storage", { storage: "indexedDB", key: where, value: text(value), script: caller() });
      return original.apply(this, arguments);
    });
  }
  if (window.Cache) {
    for (const name of ["put", "add", "addAll"]) {
      wrap(Cache.prototype, name, (original) => function (request) {
        const urls = (Array.isArray(request) ? request : [request]).map((r) => (r && r.url) || String(r));
        report("storage", { storage: "cacheStorage", key: urls.join(" ").slice(0, KEEP), value: name, script: caller() });
        return original.apply(this, arguments);
      });
    }
  }

  // -- requests, by the API that makes them --------------------------------------------------
  const call = (api, url) => {
    let href = String(url && url.url ? url.url : url);
    try { href = new URL(href, location.href).href; } catch (e) { /* left as given */ }
    report("call", { api, url: href.slice(0, KEEP), script: caller() });
  };
  wrap(Navigator.prototype, "sendBeacon", (original) => function (url) {
    if (!MARKER || String(url) !== MARKER) call("sendBeacon", url);
    return original.apply(this, arguments);
  });
  wrap(window, "fetch", (original) => function (input, init) {
    call(init && init.keepalive ? "fetch(keepalive)" : "fetch", input);
    return original.apply(this, arguments);
  });
  // A window opened (a pop-up) and a navigation by the Navigation API: the document
  // request they make is seen by the browser; the script that made it, only here.
  wrap(window, "open", (original) => function (url) {
    if (url !== undefined && url !== null && String(url) !== "") call("window.open", url);
    return original.apply(this, arguments);
  });
  if (window.Navigation && Navigation.prototype.navigate) {
    wrap(Navigation.prototype, "navigate", (original) => function (url) {
      call("navigation.navigate", url);
      return original.apply(this, arguments);
    });
  }
  wrap(XMLHttpRequest.prototype, "open", (original) => function (method, url) {
    call("XMLHttpRequest", url);
    return original.apply(this, arguments);
  });
  // An EventSource whose stream ended reconnects when the browser sees fit: after the
  // server's retry: time, which no clock of the page's governs and no script can read. A
  // source waiting to reconnect is reported (once) as the harness catches up after running
  // the page's clock: a request the browser has scheduled, with the Last-Event-ID it sends.
  const waitingSources = new Set();
  const reconnects = (source) => {
    try {
      let last = "";
      source.addEventListener("message", (e) => { last = e.lastEventId || last; });
      source.addEventListener("error", () => { if (source.readyState === 0) { source.__webtrackLast = last; waitingSources.add(source); } });
      source.addEventListener("open", () => { waitingSources.delete(source); });
    } catch (e) { /* left unwatched */ }
  };
  const scheduled = () => {
    for (const source of waitingSources) {
      if (source.readyState === 0) report("call", { api: "EventSource (reconnecting)", url: String(source.url).slice(0, KEEP), body: text(source.__webtrackLast || ""), script: null });
    }
    waitingSources.clear();
  };
  // A WebTransport session goes over HTTP/3 (QUIC, on UDP), past any HTTP proxy: the page's
  // call is all the audit sees of its address.
  for (const name of ["WebSocket", "EventSource", "Worker", "SharedWorker", "WebTransport"]) {
    const Original = window[name];
    if (typeof Original !== "function") continue;
    const Hooked = function (url, ...rest) {
      call(name, url);
      // The subprotocols a socket asks for go in its handshake's Sec-WebSocket-Protocol
      // header, which the proxy sees tunnelled only: a token can ride there.
      if (name === "WebSocket" && rest[0] !== undefined && rest[0] !== null) {
        try { report("call", { api: "WebSocket (subprotocols)", url: new URL(String(url), location.href).href.slice(0, KEEP), body: text([].concat(rest[0]).join(", ")), script: caller() }); } catch (e) { /* refused by the browser too */ }
      }
      const made = new Original(url, ...rest);
      if (name === "EventSource") reconnects(made);
      return made;
    };
    Hooked.prototype = Original.prototype;
    Object.setPrototypeOf(Hooked, Original);
    window[name] = Hooked;
  }
  // WebRTC: the STUN and TURN servers a connection is to dial (their addresses may carry an
  // identifier) and each message sent on an open data channel.
  if (typeof window.RTCPeerConnection === "function") {
    const Peer = window.RTCPeerConnection;
    const Hooked = function (config, ...rest) {
      for (const server of (config && Array.isArray(config.iceServers) ? config.iceServers : [])) {
        for (const url of [].concat(server && server.urls ? server.urls : [])) report("call", { api: "RTCPeerConnection", url: String(url).slice(0, KEEP), script: caller() });
      }
      return new Peer(config, ...rest);
    };
    Hooked.prototype = Peer.prototype;
    Object.setPrototypeOf(Hooked, Peer);
    window.RTCPeerConnection = Hooked;
  }
  if (window.RTCDataChannel && RTCDataChannel.prototype.send) {
    wrap(RTCDataChannel.prototype, "send", (send) => function (data) {
      if (this.readyState === "open") report("call", { api: "RTCDataChannel.send", url: `${location.href.split("#")[0]}#datachannel:${this.label}`.slice(0, KEEP), body: typeof data === "string" ? text(data) : "", script: caller() });
      return send.apply(this, arguments);
    });
  }
  // A socket opened before the choice can carry data after it: each message sent on an open
  // socket (binary data read as text, where it is bytes at hand).
  if (window.WebSocket && WebSocket.prototype.send) {
    wrap(WebSocket.prototype, "send", (send) => function (data) {
      if (this.readyState === 1) {
        let body = data;
        try {
          if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) body = new TextDecoder().decode(data);
          else if (data instanceof Blob) body = `[Blob of ${data.size} bytes]`;
        } catch (e) { /* sent as it is */ }
        report("call", { api: "WebSocket.send", url: String(this.url).slice(0, KEEP), body: text(body), script: caller() });
      }
      return send.apply(this, arguments);
    });
  }
  if (window.ServiceWorkerContainer) {
    wrap(ServiceWorkerContainer.prototype, "register", (original) => function (url) {
      call("serviceWorker.register", url);
      return original.apply(this, arguments);
    });
  }
  // Forms and <a ping> send without any script API: each submission and each ping clicked.
  wrap(HTMLFormElement.prototype, "submit", (original) => function () {
    call("form", this.action);
    return original.apply(this, arguments);
  });
  addEventListener("submit", (e) => { if (e.target && e.target.action) call("form", e.target.action); }, true);
  addEventListener("click", (e) => {
    const a = e.target && e.target.closest ? e.target.closest("a[ping], area[ping]") : null;
    if (a) for (const url of String(a.ping).split(/\s+/)) if (url) call("ping", url);
  }, true);
  // Everything else a document fetches (CSS backgrounds and fonts, preloads, media, frames):
  // named by the browser's own initiator type, as it is fetched.
  if (typeof PerformanceObserver === "function") {
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (!MARKER || entry.name !== MARKER) call(`resource:${entry.initiatorType}`, entry.name);
        }
      }).observe({ type: "resource" });
    } catch (e) { /* no resource timing here */ }
  }
  // Animation frames while the page's clock is run forward a long way (a settling):
  // Playwright's clock, which puts its own requestAnimationFrame in place after these hooks,
  // runs each frame as a timer followed by a real task, so a page that draws every frame (an
  // animation loop, or one counting time by frames) cost ten minutes of frames, 37,500 real
  // tasks, at each settling. During such a run the frames requested are drawn together once
  // a second of page time; in real time and in short runs (a step of a consent banner's
  // choice) they are the clock's own. The clock's controller is wrapped as it is put in place.
  const LONG_RUN = 5000, FRAME_BUDGET = 2;
  let longRun = false;
  // The browser's own clock (read before Playwright's replaces performance): what a batch
  // of frames costs in real time.
  const realNow = performance.now.bind(performance);
  // A chain of timers (a timer set while a timer runs, more than CHAIN deep: HTML's timer
  // nesting level) waits at least CHAINED ms of page time during such a run, as a browser
  // aligns a background tab's chained timers to whole seconds; so does an interval shorter
  // than that, carried on as such a chain. Otherwise a loop of zero-delay timers waiting
  // for Date.now() to move (each moves it 1 ms) never reached its time, and held the
  // settling for hours of real time; a 10 ms interval cost 60,000 real tasks a settling.
  // Timers of CHAINED ms or more, and every timer outside a long run, are left as they are;
  // so are all timers outside the consent audit (a scenario's timing is the contract's).
  const CHAIN = 5, CHAINED = 1000;
  let level = 0;  // the nesting level of the timer task running now (0: none)
  let chained = false;
  const chainTimers = () => {
    if (chained || !MARKER) return;
    chained = true;
    const setT = window.setTimeout, setI = window.setInterval;
    const clearT = window.clearTimeout, clearI = window.clearInterval;
    if ([setT, setI, clearT, clearI].some((f) => typeof f !== "function")) return;
    // Each callback runs at its depth, kept for the microtasks of its task too (a loop of
    // awaited timers continues in those).
    const run = (fn, self, args, depth) => {
      const outer = level;
      level = depth;
      try { return fn.apply(self, args); } finally { queueMicrotask(() => { level = outer; }); }
    };
    const moved = new Map();  // an interval's id -> the timeout carrying it on
    window.setTimeout = function (fn, delay, ...args) {
      if (typeof fn !== "function") return setT.apply(window, arguments);
      const depth = level + 1;
      let ms = Number(delay) || 0;
      if (longRun && depth > CHAIN && ms < CHAINED) ms = CHAINED;
      return setT.call(window, function () { return run(fn, this, args, depth); }, ms);
    };
    window.setInterval = function (fn, delay, ...args) {
      if (typeof fn !== "function") return setI.apply(window, arguments);
      const ms = Number(delay) || 0;
      const step = () => {
        moved.set(id, setT.call(window, step, longRun ? Math.max(ms, CHAINED) : ms));
        run(fn, window, args, CHAIN + 1);
      };
      const id = setI.call(window, function () {
        if (longRun && ms < CHAINED && !moved.has(id)) { clearI.call(window, id); step(); }
        else run(fn, this, args, CHAIN + 1);
      }, ms);
      return id;
    };
    const unmove = (id) => { if (moved.has(id)) { clearT.call(window, moved.get(id)); moved.delete(id); } };
    window.clearTimeout = function (id) { unmove(id); return clearT.apply(window, arguments); };
    window.clearInterval = function (id) { unmove(id); return clearI.apply(window, arguments); };
  };
  const wrapClock = (value) => {
    const controller = value && value.controller;
    if (!controller || typeof controller.runFor !== "function") return;
    chainTimers();
    const runFor = controller.runFor;
    controller.runFor = function (ticks) {
      longRun = ticks > LONG_RUN;
      return Promise.resolve(runFor.apply(this, arguments)).finally(() => { longRun = false; });
    };
  };
  // The clock may be in place already (its script added before these hooks): kept, wrapped.
  let pwClock = globalThis.__pwClock;
  try {
    wrapClock(pwClock);
    Object.defineProperty(globalThis, "__pwClock", {
      configurable: true,
      get: () => pwClock,
      set(value) { pwClock = value; wrapClock(value); },
    });
  } catch (e) { /* frames at the clock's own pace */ }
  (() => {
    let own = window.requestAnimationFrame, ownCancel = window.cancelAnimationFrame;
    const waiting = new Map();
    let next = 0, batch = 0;
    // A second's frames (60, as a display draws them), each frame's callbacks run as the
    // previous frame's asked for them, in one task; a loop that does much in each frame gets
    // fewer (FRAME_BUDGET ms of real time a second), a loop counting frames gets them all.
    const draw = () => {
      const at = performance.now(), began = realNow();
      batch = 0;
      for (let frame = 0; frame < 60 && waiting.size; frame++) {
        const due = Array.from(waiting.values());
        waiting.clear();
        for (const callback of due) { try { callback(at + frame * 1000 / 60); } catch (e) { setTimeout(() => { throw e; }); } }
        if (realNow() - began > FRAME_BUDGET) break;
      }
      if (waiting.size && !batch) batch = setTimeout(draw, 1000);
    };
    const request = function (callback) {
      if (!longRun || typeof callback !== "function") return own.apply(window, arguments);
      const id = -(++next);  // apart from the clock's own ids
      waiting.set(id, callback);
      if (!batch) batch = setTimeout(draw, 1000);
      return id;
    };
    const cancel = function (id) {
      if (waiting.delete(id)) return undefined;
      return ownCancel.apply(window, arguments);
    };
    for (const [name, mine, set] of [["requestAnimationFrame", request, (f) => { own = f; }],
                                     ["cancelAnimationFrame", cancel, (f) => { ownCancel = f; }]]) {
      try {
        Object.defineProperty(window, name, { configurable: true, enumerable: true, get: () => mine, set });
      } catch (e) { /* left as it was */ }
    }
  })();

  // The page clock (Playwright's) governs timers but not the Scheduler API: a delayed task
  // waits on a timer instead, so that it is brought forward with the others.
  if (window.Scheduler && Scheduler.prototype.postTask) {
    wrap(Scheduler.prototype, "postTask", (original) => function (callback, options) {
      const delay = options && options.delay;
      if (!(delay > 0)) return original.apply(this, arguments);
      const rest = Object.assign({}, options, { delay: 0 });
      return new Promise((resolve) => { setTimeout(resolve, delay); }).then(() => original.call(this, callback, rest));
    });
  }
  // Nor does it govern a wait on shared memory (Atomics.waitAsync) with a timeout: its
  // timing out is put on a timer too (the first to come settles it).
  if (typeof Atomics === "object" && typeof Atomics.waitAsync === "function") {
    const waitAsync = Atomics.waitAsync;
    Atomics.waitAsync = function (array, index, value, timeout) {
      const result = waitAsync.apply(Atomics, arguments);
      const ms = Number(timeout);
      if (!result || !result.async || !(ms > 0) || !isFinite(ms)) return result;
      return { async: true, value: Promise.race([result.value, new Promise((resolve) => { setTimeout(() => resolve("timed-out"), ms); })]) };
    };
  }
  // ... nor the document's animation timeline, which a script may read as a clock.
  if (window.AnimationTimeline) {
    const own = Object.getOwnPropertyDescriptor(AnimationTimeline.prototype, "currentTime");
    if (own && own.get && own.configurable) {
      Object.defineProperty(AnimationTimeline.prototype, "currentTime", {
        configurable: true, enumerable: own.enumerable,
        get() {
          const real = own.get.call(this);
          return real === null || this !== document.timeline ? real : performance.now();
        },
      });
    }
  }
  // ... nor media playing (audio, video), whose end or progress a script may wait for:
  // each element that played is moved on as far as the page's clock when the harness
  // catches up after running it (window.__webtrackCatchUp, below).
  const playing = new Set();
  // A medium playing reaches its end once the page's clock has run its remaining length: a
  // timer on that clock takes it there, so what waits for its end happens in order with
  // what the page's other timers do (a refresh that leaves the page first, say), which the
  // catch-up after a whole run of the clock could not (it came after the page had gone).
  const endTimers = new WeakMap();
  const timeEnd = (media) => {
    try {
      clearTimeout(endTimers.get(media));
      if (media.paused || media.ended || media.loop || !isFinite(media.duration)) return;
      const left = (media.duration - media.currentTime) / (media.playbackRate || 1) * 1000;
      if (!(left > 0)) return;
      endTimers.set(media, setTimeout(() => {
        try { if (!media.paused && !media.ended && isFinite(media.duration)) media.currentTime = media.duration; } catch (e) { /* plays on */ }
      }, left));
    } catch (e) { /* left to play on */ }
  };
  const watch = (media) => {
    if (playing.has(media) || playing.size >= 1000) return;
    playing.add(media);
    for (const name of ["playing", "durationchange", "ratechange", "seeked"]) media.addEventListener(name, () => timeEnd(media));
  };
  if (window.HTMLMediaElement) {
    wrap(HTMLMediaElement.prototype, "play", (play) => function () {
      watch(this);
      const started = play.apply(this, arguments);
      timeEnd(this);
      return started;
    });
    addEventListener("play", (e) => { if (e.target instanceof HTMLMediaElement) { watch(e.target); timeEnd(e.target); } }, true);
  }
  Object.defineProperty(window, "__webtrackCatchUp", {
    value: (ms) => {
      scheduled();
      for (const media of playing) {
        try {
          if (media.paused || media.ended || !isFinite(media.duration)) continue;
          // Moved as far as the page's clock went: past its end, to its end, which a
          // playing medium reaches there and then (Firefox fires "ended" at once; playing
          // out a last moment instead depended on real time the audit may not give it).
          const to = media.currentTime + (ms / 1000) * (media.playbackRate || 1);
          media.currentTime = Math.min(to, media.duration);
        } catch (e) { /* one that cannot be moved plays on */ }
      }
    },
  });
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    get() { return src.get.call(this); },
    set(value) { call("image", value); return src.set.call(this, value); },
  });
  const hinted = new WeakSet();
  const hint = (link) => {
    if (hinted.has(link)) return;
    hinted.add(link);
    const rel = (link.rel || "").toLowerCase();
    // An icon or a manifest is fetched when the browser sees fit (a headless one may never).
    if (/preconnect|dns-prefetch|prefetch|preload|prerender|modulepreload|icon|manifest/.test(rel) && link.href) report("hint", { rel, href: link.href, script: caller() });
  };
  // <meta http-equiv="refresh"> to another address waits on the browser's clock, which the
  // page's does not govern: the same navigation is also put on the page's clock (the first
  // to come takes the page there). A page that only reloads itself is left to the browser.
  const refreshes = new WeakSet();
  const refresh = (meta) => {
    if ((meta.httpEquiv || "").toLowerCase() !== "refresh" || refreshes.has(meta)) return;
    refreshes.add(meta);
    const found = /^\s*(\d+(?:\.\d*)?)\s*(?:[;,]\s*(?:url\s*=\s*)?(['"]?)(.+?)\2\s*)?$/i.exec(meta.content || "");
    if (!found || !found[3]) return;
    let target;
    try { target = new URL(found[3], document.baseURI).href; } catch (e) { return; }
    if (target.split("#")[0] === location.href.split("#")[0]) return;
    report("call", { api: "meta refresh", url: target.slice(0, KEEP), script: null });
    window.setTimeout(() => { if (meta.isConnected) location.href = target; }, parseFloat(found[1]) * 1000);
  };
  // Speculation rules ask the browser to prefetch or prerender whole lists of addresses,
  // which it may do, or not, as it sees fit: each address listed is a hint.
  const speculation = (script) => {
    if ((script.type || "").toLowerCase() !== "speculationrules" || hinted.has(script)) return;
    hinted.add(script);
    let rules;
    try { rules = JSON.parse(script.textContent); } catch (e) { return; }
    for (const rel of ["prefetch", "prerender"]) {
      for (const rule of (rules && Array.isArray(rules[rel]) ? rules[rel] : [])) {
        for (const url of (rule && Array.isArray(rule.urls) ? rule.urls : [])) {
          let href;
          try { href = new URL(String(url), document.baseURI).href; } catch (e) { continue; }
          report("hint", { rel: `speculationrules ${rel}`, href, script: caller() });
        }
      }
    }
  };
  const added = (node) => {
    if (node.tagName === "LINK") hint(node);
    else if (node.tagName === "META") refresh(node);
    else if (node.tagName === "SCRIPT") speculation(node);
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) added(node);
  });
  // A frame's first document (about:blank) hands its window on to the same-origin document
  // that replaces it, and Firefox runs these hooks in the first one only: each document is
  // watched, and what it holds already is seen, when the hooks start and as it is parsed.
  let watched = null;
  const present = () => {
    if (watched !== document) {
      watched = document;
      observer.observe(document, { childList: true, subtree: true });
    }
    for (const node of document.querySelectorAll("link[rel], meta[http-equiv], script[type]")) added(node);
  };
  present();
  addEventListener("DOMContentLoaded", present, true);

  // A message from another origin, as a frame of a third party it reached saw it: what a
  // page hands such a frame by postMessage goes no further than a request would. (What a
  // third party's frame tells the site's own page is no sending of the site's.) Each
  // message once: a heartbeat repeated does not use up the room an identifier needs.
  const heard = new Set();
  let foreignFrame = false;
  try { foreignFrame = window.top !== window && window.top.location.origin !== location.origin; } catch (e) { foreignFrame = true; }
  // A window of its own (a pop-up) is handed what a frame is: messages, once another
  // document holds it (its opener), and a fragment and a name. Whether it is another
  // party's is the verdict's to tell (``window``): only the audited site's own are not.
  const top = window.top === window;
  let opened = false;
  try { opened = top && !!window.opener; } catch (e) { opened = true; }
  addEventListener("message", (e) => {
    if (!(foreignFrame || opened) || !e.origin || e.origin === location.origin) return;
    const body = text(e.data), seen = e.origin + " " + body;
    if (heard.has(seen) || heard.size >= 1000) return;
    heard.add(seen);
    report("call", { api: "postMessage", url: location.href.slice(0, KEEP), from: e.origin, body, script: null, window: top });
  }, true);

  // What a frame of another origin, or a window, is handed in its address's fragment (which
  // never goes on the wire) or in its name, as the document reads them.
  if (foreignFrame || top) {
    let name = "";
    try { name = windowName ? windowName.get.call(window) : ""; } catch (e) { /* none */ }
    if (location.hash.length > 1 || name) report("call", { api: "frame", url: location.href.slice(0, KEEP), body: text(name), script: null, window: top });
  }

  // A violation of the page's content security policy is reported to the endpoints the
  // policy names: by report-uri at once, by report-to through the Reporting API, which
  // batches reports on the browser's own timer (a minute in Chromium) and sends them after
  // the audit has gone. Each violation is on record as the page saw it, with what its
  // report carries (the blocked address, the sample), for the verdict to send on.
  document.addEventListener("securitypolicyviolation", (e) => {
    try {
      report("call", { api: "CSP report", url: location.href.slice(0, KEEP), policy: String(e.originalPolicy || "").slice(0, KEEP), body: text({ "document-uri": e.documentURI, "blocked-uri": e.blockedURI, "effective-directive": e.effectiveDirective, "script-sample": e.sample, "source-file": e.sourceFile, disposition: e.disposition }), script: null });
    } catch (err) { /* left unreported */ }
  }, true);

  // -- lifecycle -----------------------------------------------------------------------
  if (window.top !== window) return;
  // When the page was last shown (its clock), null once it is hidden again: the harness
  // settles a page it came back to only after its pageshow, and every listener the page
  // gave that event, have run (a page loaded anew reads its new address long before).
  let shown = null;
  Object.defineProperty(window, "__webtrackShown", { get: () => shown });
  addEventListener("pageshow", (e) => {
    shown = Date.now();
    restored = restored || e.persisted;
    report("lifecycle", { event: "pageshow", persisted: e.persisted });
  });
  addEventListener("pagehide", (e) => {
    shown = null;
    report("lifecycle", { event: "pagehide", persisted: e.persisted });
    if (!MARKER) return;
    const gone = () => { try { navigator.sendBeacon(MARKER, location.href); } catch (err) { /* best effort */ } };
    // Added now, so it runs after every unload handler the page registered: the last word.
    if (e.persisted) gone();
    else addEventListener("unload", gone);
  });
})();
