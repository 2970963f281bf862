// Attributes main-thread time to the one script under measurement, in any browser.
// The page runs this first. The script is served between two calls, __cost.begin() and
// __cost.end(), so its evaluation is timed within its own execution (separate marker
// scripts would not do: Chromium lays out and paints between deferred scripts).
// Every callback the script hands to the browser is
// wrapped and timed: timers, frames, idle callbacks, microtasks, promise reactions, event
// listeners and on* handlers, observers. So are callbacks those callbacks hand on.
// Wrapping happens only while the script's own code runs; the page's code is left alone.
(function (w) {
  "use strict";
  var now = performance.now.bind(performance);
  var cost = (w.__cost = {
    evaluation: 0, callbacks: 0, calls: [], ended: false, active: false, begun: 0,
    isolated: w.crossOriginIsolated === true
  });
  var wrappers = new WeakMap();

  function wrap(fn) {
    if (!cost.active || typeof fn !== "function") return fn;
    var known = wrappers.get(fn);
    if (known) return known;
    var wrapped = function () {
      if (cost.active) return fn.apply(this, arguments);
      cost.active = true;
      var started = now();
      try {
        return fn.apply(this, arguments);
      } finally {
        var spent = now() - started;
        cost.callbacks += spent;
        cost.calls.push(spent);
        cost.active = false;
      }
    };
    wrappers.set(fn, wrapped);
    return wrapped;
  }

  function listener(value) {
    if (!cost.active || !value || typeof value === "function") return wrap(value);
    var known = wrappers.get(value);  // an object with handleEvent
    if (!known) {
      known = wrap(function (e) { return value.handleEvent(e); });
      wrappers.set(value, known);
    }
    return known;
  }

  function patchArgument(owner, name) {
    var original = owner && owner[name];
    if (typeof original !== "function") return;
    owner[name] = function (fn) {
      var args = Array.prototype.slice.call(arguments);
      args[0] = wrap(fn);
      return original.apply(this, args);
    };
  }

  ["setTimeout", "setInterval", "requestAnimationFrame", "requestIdleCallback",
    "queueMicrotask"].forEach(function (name) { patchArgument(w, name); });

  var then = Promise.prototype.then;
  Promise.prototype.then = function (fulfilled, rejected) {
    return then.call(this, wrap(fulfilled), wrap(rejected));
  };

  var target = EventTarget.prototype, add = target.addEventListener;
  var remove = target.removeEventListener;
  target.addEventListener = function (type, fn, options) {
    return add.call(this, type, listener(fn), options);
  };
  target.removeEventListener = function (type, fn, options) {
    return remove.call(this, type, (fn && wrappers.get(fn)) || fn, options);
  };

  [w, w.Window && Window.prototype, Document.prototype, HTMLElement.prototype,
    w.XMLHttpRequestEventTarget && XMLHttpRequestEventTarget.prototype,
    XMLHttpRequest.prototype, w.MessagePort && MessagePort.prototype].forEach(function (owner) {
    if (!owner) return;
    Object.getOwnPropertyNames(owner).forEach(function (name) {
      var d = Object.getOwnPropertyDescriptor(owner, name);
      if (name.slice(0, 2) !== "on" || !d || !d.set || !d.configurable) return;
      Object.defineProperty(owner, name, {
        configurable: true, enumerable: d.enumerable, get: d.get,
        set: function (fn) { d.set.call(this, wrap(fn)); }
      });
    });
  });

  ["MutationObserver", "PerformanceObserver", "IntersectionObserver",
    "ResizeObserver"].forEach(function (name) {
    var Original = w[name];
    if (typeof Original !== "function") return;
    w[name] = class extends Original {
      constructor(fn, options) { super(wrap(fn), options); }
    };
  });

  cost.begin = function () {
    cost.active = true;
    cost.begun = now();
  };
  cost.end = function () {
    cost.evaluation = now() - cost.begun;
    cost.active = false;
    cost.ended = true;  // not if the script threw at the top level: the sample is void
  };
})(window);
