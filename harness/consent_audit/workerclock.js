/* Put before a worker's own script by the consent audit's proxy: the worker's timers run on
 * the page's virtual clock. Playwright's clock reaches documents only, so without this a
 * worker's five-minute timer would fire five real minutes later, long after the audit.
 *
 * Timers keep running in real time as before; besides, each time the audit has run the
 * page's clock forward it posts the page's time on a BroadcastChannel, and every timer due
 * by then fires, in order of its due time, with Date.now() reading that time (a timer set
 * by a timer fires too when it falls due within the run). Classic and module workers alike:
 * no statement here is only valid in one of them.
 */
;(function () {
  "use strict";
  var scope = self;
  if (scope.__webtrackClock) return;
  Object.defineProperty(scope, "__webtrackClock", { value: true });
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
  function next(until) {
    var found = 0, best = null;
    timers.forEach(function (timer, id) {
      if (timer.due <= until && (!best || timer.due < best.due)) { found = id; best = timer; }
    });
    return found;
  }
  function runUntil(until) {
    for (var count = 0, id; count < LIMIT && (id = next(until)); count++) {
      var timer = timers.get(id);
      moveTo(timer.due);
      if (timer.every) { timer.due += timer.every; arm(id, timer); }
      else { realClear.call(scope, timer.real); timers.delete(id); }
      try {
        if (typeof timer.callback === "function") timer.callback.apply(scope, timer.args);
        else (0, eval)(String(timer.callback));
      } catch (error) {
        realSet.call(scope, function () { throw error; }, 0);  // reported as the worker's own
      }
    }
    moveTo(until);
  }
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

  if (typeof BroadcastChannel === "function") {
    new BroadcastChannel("__webtrack_clock").onmessage = function (event) {
      var time = Number(event.data);
      if (isFinite(time)) runUntil(time);
    };
  }
})();
