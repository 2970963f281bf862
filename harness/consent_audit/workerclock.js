/* The page's virtual clock for workers (workerclock.py). Playwright's clock reaches
 * documents only, so without this a worker's five-minute timer would fire five real minutes
 * later, long after the audit.
 *
 * In a worker (put before its own script by the consent audit's proxy, or before a script
 * made in memory, below): timers keep running in real time as before; besides, each time
 * the page's time is told (after the audit has run the page's clock forward, and in answer
 * to the worker's own question as it starts, so a worker that starts late is not left
 * behind), every timer due by then fires, in order of its due time, with Date.now()
 * (and performance.now()) reading that time (a timer set by a timer fires too when it falls
 * due within the run).
 * The time comes on a BroadcastChannel of the worker's origin, or on a port its creator
 * handed it where the worker has an origin of its own (a data: URL).
 *
 * In a document (an init script of the audit's, before the evidence hooks) and in a worker
 * alike: a worker made from a blob: or data: URL, which no proxy ever sees, is made from
 * the same script with this prelude before it; the document answers its workers' questions
 * with its own time. Classic and module workers alike: no statement here is only valid in
 * one of them.
 */
;(function webtrackWorkerClock() {
  "use strict";
  var scope = self;
  if (scope.__webtrackClock) return;
  Object.defineProperty(scope, "__webtrackClock", { value: true });
  // The visitor's device noise (devicenoise.js, run just before) goes first, where it is.
  var SOURCE = (scope.__webtrackWorkerPrelude || "") + "(" + webtrackWorkerClock + ")();\n";
  var CHANNEL = "__webtrack_clock", ASK = "__webtrack_ask", PORT = "__webtrackClockPort";
  var inWorker = typeof WorkerGlobalScope === "function" && scope instanceof WorkerGlobalScope;
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
  var ports = [];  // to the workers made here from data: URLs, which the channel misses
  var runUntil = null;  // in a worker: the clock's, below
  function pageNow() { return scope.Date.now(); }  // Playwright's, once it is installed
  // The page's time arrives as a number (run every timer due by then, in order), or as
  // {time, once: true} after the page's clock jumped (fast_forward): each timer due by then
  // fires once, as Playwright's clock does in the page, so a day's jump is not a day of an
  // interval's runs. A worker's question is answered so too: one made on a page whose clock
  // is far ahead of real time (a day, once the tab was left open) catches up with each of
  // its timers firing once.
  function told(message) {
    var once = !!(message && message.once === true);
    var time = Number(once ? message.time : message);
    if (!isFinite(time)) return;
    if (runUntil) runUntil(time, once);
    ports.forEach(function (port) { port.postMessage(message); });
    caught = true;  // a worker has now run what was due: it has started
    report();
  }
  function answer() { return { time: pageNow(), once: true }; }

  // -- workers still starting ----------------------------------------------------------
  // A dedicated worker made here counts as starting until it has been told the page's time
  // and has run what was due by then; it then says how many of its own are still starting
  // (and again whenever that changes). A document answers the sum
  // (__webtrackWorkersStarting), so the audit neither leaves nor closes a page whose last
  // timer has just made a worker, whose script may take a while to come. Only a worker
  // that will be told counts: one made in memory here, or fetched over plain HTTP (the
  // proxy's); one that fails to load, or is terminated, counts no more.
  var STARTING = "__webtrackStarting";
  var starting = new Map(), caught = false, reported = -1;
  var post = inWorker && typeof scope.postMessage === "function" ? scope.postMessage : null;
  function startingHere() {
    var count = 0;
    starting.forEach(function (n) { count += n; });
    return count;
  }
  function report() {  // to the worker's creator (a dedicated worker's only)
    var count = startingHere();
    if (!post || !caught || count === reported) return;
    reported = count;
    var message = {};
    message[STARTING] = count;
    try { post.call(scope, message); } catch (e) { /* the creator is gone */ }
  }
  function overHttp(url) {  // fetched through the proxy, which gives it the clock
    try { return new URL(String(url), scope.location.href).protocol === "http:"; }
    catch (e) { return false; }
  }
  function watch(worker) {
    starting.set(worker, 1);
    report();
    // Ahead of the page's own listeners (capturing, added first): what the worker says of
    // its start is the audit's, never the page's.
    worker.addEventListener("message", function (event) {
      var said = event.data && typeof event.data === "object" ? event.data[STARTING] : null;
      if (typeof said !== "number") return;
      event.stopImmediatePropagation();
      starting.set(worker, said);
      report();
    }, true);
    worker.addEventListener("error", function (event) {
      if (typeof ErrorEvent === "function" && event instanceof ErrorEvent) return;  // it runs
      starting.delete(worker);  // its script never came
      report();
    }, true);
  }
  function listen(port) {
    port.onmessage = function (event) {
      if (event.data === ASK) event.target.postMessage(answer());
      else told(event.data);
    };
  }

  // -- workers made from scripts in memory ---------------------------------------------
  var blobs = new Map(), createURL = URL.createObjectURL, revokeURL = URL.revokeObjectURL;
  if (typeof createURL === "function") {
    URL.createObjectURL = function (object) {
      var url = createURL.apply(URL, arguments);
      if (typeof Blob === "function" && object instanceof Blob) blobs.set(url, object);
      return url;
    };
    URL.revokeObjectURL = function (url) {
      blobs.delete(String(url));
      return revokeURL.apply(URL, arguments);
    };
  }
  function fromData(href) {
    var comma = href.indexOf(","), meta = href.slice(5, comma), body = href.slice(comma + 1);
    if (comma < 0) return null;
    var text;
    if (/;base64$/i.test(meta)) {
      var bytes = atob(decodeURIComponent(body).replace(/\s+/g, ""));
      text = new TextDecoder().decode(Uint8Array.from(bytes, function (c) { return c.charCodeAt(0); }));
      meta = meta.replace(/;base64$/i, "");
    } else {
      text = decodeURIComponent(body);
    }
    return "data:" + meta + "," + encodeURIComponent(SOURCE + text);
  }
  // The script URL a worker is made from, with the prelude before it where it is in memory;
  // null when it is not (fetched: the proxy's), or cannot be read.
  function clocked(url) {
    var href = String(url);
    try {
      if (/^blob:/i.test(href) && blobs.has(href)) {
        var blob = blobs.get(href);
        return createURL.call(URL, new Blob([SOURCE, blob], { type: blob.type }));
      }
      if (/^data:/i.test(href)) return fromData(href);
    } catch (e) { /* left as it is */ }
    return null;
  }
  function hook(name, data) {
    var Original = scope[name];
    if (typeof Original !== "function") return;
    var Hooked = function (url) {
      var args = Array.prototype.slice.call(arguments), made = clocked(url);
      if (made === null) {
        var fetched = Reflect.construct(Original, args, new.target || Hooked);
        if (data && overHttp(url)) watch(fetched);
        return fetched;
      }
      args[0] = made;
      var worker = Reflect.construct(Original, args, new.target || Hooked);
      if (data) watch(worker);
      if (/^data:/i.test(String(url)) && typeof MessageChannel === "function") {
        var pair = new MessageChannel();
        listen(pair.port1);
        ports.push(pair.port1);
        var message = {};
        message[PORT] = true;
        (data ? worker : worker.port).postMessage(message, [pair.port2]);
      }
      return worker;
    };
    Hooked.prototype = Original.prototype;
    Object.setPrototypeOf(Hooked, Original);
    scope[name] = Hooked;
    var terminate = Original.prototype.terminate;
    if (data && typeof terminate === "function") {
      Original.prototype.terminate = function () {
        if (starting.delete(this)) report();
        return terminate.apply(this, arguments);
      };
    }
  }
  hook("Worker", true);
  hook("SharedWorker", false);  // its port is handed over on the worker's own port

  if (!inWorker) {  // a document: tells its workers its time when asked, and relays
    Object.defineProperty(scope, "__webtrackWorkersStarting", { value: startingHere });
    if (channel) {
      channel.onmessage = function (event) {
        if (event.data === ASK) channel.postMessage(answer());
        else told(event.data);
      };
    }
    return;
  }

  // -- a worker's own timers on the page's clock ----------------------------------------
  var realSet = scope.setTimeout, realClear = scope.clearTimeout, RealDate = scope.Date;
  var realNow = RealDate.now.bind(RealDate);
  var skew = 0, serial = 0, timers = new Map(), LIMIT = 10000;

  function now() { return realNow() + skew; }
  function moveTo(time) { if (time - realNow() > skew) skew = time - realNow(); }

  function arm(id, timer) {
    realClear.call(scope, timer.real);
    timer.real = realSet.call(scope, function () { runUntil(now()); },
                              Math.max(0, timer.due - now()));
  }
  function add(callback, delay, args, every) {
    var id = ++serial, wait = Math.max(0, Number(delay) || 0);
    var timer = { callback: callback, args: args, due: now() + wait,
                  every: every ? Math.max(1, wait) : 0, real: 0 };
    timers.set(id, timer);
    arm(id, timer);
    return id;
  }
  function next(until, among) {
    var found = 0, best = null;
    timers.forEach(function (timer, id) {
      if (timer.due <= until && (!best || timer.due < best.due) && (!among || among.has(id))) {
        found = id; best = timer;
      }
    });
    return found;
  }
  runUntil = function (until, once) {
    var among = once ? new Set(timers.keys()) : null;  // once: those set before the jump
    for (var count = 0, id; count < LIMIT && (id = next(until, among)); count++) {
      var timer = timers.get(id);
      moveTo(timer.due);
      if (among) among.delete(id);
      if (timer.every) { timer.due = once ? until + timer.every : timer.due + timer.every; arm(id, timer); }
      else { realClear.call(scope, timer.real); timers.delete(id); }
      try {
        if (typeof timer.callback === "function") timer.callback.apply(scope, timer.args);
        else (0, eval)(String(timer.callback));
      } catch (error) {
        realSet.call(scope, function () { throw error; }, 0);  // reported as the worker's own
      }
    }
    moveTo(until);
  };
  function clear(id) {
    var timer = timers.get(id);
    if (timer) { realClear.call(scope, timer.real); timers.delete(id); }
  }

  scope.setTimeout = function (callback, delay) {
    return add(callback, delay, Array.prototype.slice.call(arguments, 2), false);
  };
  scope.setInterval = function (callback, delay) {
    return add(callback, delay, Array.prototype.slice.call(arguments, 2), true);
  };
  scope.clearTimeout = clear;
  scope.clearInterval = clear;
  function VirtualDate() {
    var args = Array.prototype.slice.call(arguments);
    if (!new.target) return new RealDate(now()).toString();
    return args.length ? new (Function.prototype.bind.apply(RealDate, [null].concat(args)))()
                       : new RealDate(now());
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = now;
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  scope.Date = VirtualDate;
  // performance.now() too: a worker that measures how long it has run moves on with the page.
  if (scope.performance && typeof scope.performance.now === "function") {
    var realPerformanceNow = scope.performance.now.bind(scope.performance);
    try {
      Object.defineProperty(scope.performance, "now", {
        configurable: true, value: function () { return realPerformanceNow() + skew; } });
    } catch (e) { /* left on real time */ }
  }
  pageNow = now;  // what this worker tells the workers it makes

  if (channel) {
    channel.onmessage = function (event) { if (event.data !== ASK) told(event.data); };
    channel.postMessage(ASK);  // answered once this script has run: its timers are set
  }
  // A worker of a data: URL hears the page's time on the port its creator hands it first
  // (a shared worker: on the port of each connection, before the worker's own listeners).
  function handed(event) {
    if (!event.data || event.data[PORT] !== true || !event.ports || !event.ports[0]) return;
    event.stopImmediatePropagation();
    var port = event.ports[0];
    port.onmessage = function (message) { told(message.data); };
    port.postMessage(ASK);
  }
  scope.addEventListener("message", handed);
  scope.addEventListener("connect", function (event) {
    var port = event.ports && event.ports[0];
    if (!port) return;
    port.addEventListener("message", handed);
    port.start();
  });
  // The Scheduler API and abort signals wait on the worker's own clock: timers instead.
  if (scope.Scheduler && scope.Scheduler.prototype.postTask) {
    var postTask = scope.Scheduler.prototype.postTask;
    scope.Scheduler.prototype.postTask = function (callback, options) {
      var delay = options && options.delay, self_ = this;
      if (!(delay > 0)) return postTask.apply(this, arguments);
      var rest = Object.assign({}, options, { delay: 0 });
      return new Promise(function (resolve) { scope.setTimeout(resolve, delay); })
        .then(function () { return postTask.call(self_, callback, rest); });
    };
  }
  if (scope.AbortSignal && scope.AbortSignal.timeout && scope.AbortController) {
    scope.AbortSignal.timeout = function (ms) {
      var controller = new scope.AbortController();
      scope.setTimeout(function () {
        controller.abort(new DOMException("signal timed out", "TimeoutError"));
      }, Number(ms));
      return controller.signal;
    };
  }
})();
