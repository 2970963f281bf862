/* Each visitor's own device noise (devicenoise.py), as privacy browsers "farble" it.
 *
 * Two fresh visitors of the audit run one browser on one machine: a hash of what their
 * canvases, WebGL and audio render, or of their device's properties, is the same for both,
 * so the differential reading would take a fingerprint for a constant. Here each visitor
 * gets a seed of its own (and device values drawn for it), and what a page reads back from
 * those surfaces carries a little noise drawn from it: the same for every read of one
 * visitor (a fingerprint stays stable, two reads agree), different for another visitor,
 * too small to change what a page shows (the lowest bit of some opaque pixels, an audio
 * sample moved by a millionth of itself). What a page lays out or localises with
 * (viewport, screen, device pixel ratio, language, time zone) is left as it is.
 *
 * Run in documents (an init script, before any page script) and in workers (before their
 * own script, by the proxy, or made from a blob: or data: address, by the workers' clock);
 * the replaced functions say they are native, as the browser's own do.
 */
;(function webtrackDeviceNoise(NOISE) {
  "use strict";
  var scope = self;
  if (scope.__webtrackNoise) return;
  try { Object.defineProperty(scope, "__webtrackNoise", { value: true }); } catch (e) { return; }
  var SEED = NOISE.seed >>> 0;
  // What the noise calls as a page reads back, taken now: a page that replaces one later
  // (Math.imul, Function.prototype.apply, a WeakMap's get, drawImage...) cannot undo it.
  var apply = Reflect.apply, imul = Math.imul, isView = ArrayBuffer.isView;
  var min = Math.min, floor = Math.floor;
  var mapGet = WeakMap.prototype.get, mapSet = WeakMap.prototype.set;
  var own2D = function (Ctx, name) { return Ctx && Ctx.prototype[name]; };
  // For the workers' clock (consent_audit/workerclock.js), which puts itself before a worker
  // made from a blob: or data: address: this first. Read once, by it, then gone.
  var SOURCE = "(" + webtrackDeviceNoise + ")(" + JSON.stringify(NOISE) + ");\n";
  try {
    Object.defineProperty(scope, "__webtrackWorkerPrelude", { configurable: true,
      get: function () { delete scope.__webtrackWorkerPrelude; return SOURCE; } });
  } catch (e) { /* left as it is */ }

  // -- replaced functions look native ----------------------------------------------------
  var natives = new WeakMap();  // replacement -> the browser's own function
  var nativeToString = Function.prototype.toString;
  var toStringFake = {
    toString() {
      var own = apply(mapGet, natives, [this]);
      return apply(nativeToString, own || this, []);
    },
  }.toString;
  natives.set(toStringFake, nativeToString);
  try {
    Object.defineProperty(Function.prototype, "toString", {
      value: toStringFake, writable: true, configurable: true, enumerable: false });
  } catch (e) { /* left as it is */ }

  function like(fake, own) {
    apply(mapSet, natives, [fake, own]);
    try { Object.defineProperty(fake, "length", { value: own.length }); } catch (e) { /* */ }
    try { Object.defineProperty(fake, "name", { value: own.name }); } catch (e) { /* */ }
    return fake;
  }
  // Replace the method *name* of *proto* by make(own), where the browser has it.
  function method(proto, name, make) {
    if (!proto) return;
    var d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d || typeof d.value !== "function") return;
    var own = d.value;
    d.value = like(make(own), own);
    try { Object.defineProperty(proto, name, d); } catch (e) { /* left as it is */ }
  }
  // Replace the getter of *name* of *proto* by one answering *value*.
  function getter(proto, name, value) {
    if (!proto) return;
    var d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d || typeof d.get !== "function") return;
    var own = d.get;
    d.get = like({ get [name]() { apply(own, this, []); return value; } }.__lookupGetter__(name),
                 own);
    try { Object.defineProperty(proto, name, d); } catch (e) { /* left as it is */ }
  }

  // -- the visitor's noise: a hash of the seed and a position --------------------------
  function mix(i) {
    var h = (SEED ^ imul(i + 1, 0x9e3779b1)) >>> 0;
    h = imul(h ^ (h >>> 16), 0x85ebca6b);
    h = imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
  // RGBA pixels of a w x h region at (sx, sy) of a picture *width* wide: the lowest bit of
  // one colour of about one pixel in sixteen is turned over, the same ones for the same
  // picture, whichever part of it is read; of a translucent pixel, its alpha's (its colour's
  // would not survive the premultiplied copy an encoding is made from), so a picture of no
  // opaque pixel is the visitor's too. The blank stays blank (alpha 0 and 1 are left). Only the chosen pixels are visited, each row's
  // from the one before (a gap of 1 to 32): Firefox runs an init script's code without its
  // JIT, so a loop over every pixel of a large canvas would cost a second.
  function noisePixels(data, w, h, sx, sy, width) {
    for (var y = 0; y < h; y++) {
      var row = sy + y, x = mix(-1 - row) & 15;
      while (x < sx + w) {
        var k = mix(row * width + x);
        if (x >= sx) {
          var p = (y * w + x - sx) * 4;
          var alpha = data[p + 3];
          if (alpha === 255) data[p + ((k >>> 5) % 3)] ^= 1;
          else if (alpha > 1) data[p + 3] = alpha ^ 1;
        }
        x += 1 + (k & 31);
      }
    }
    return data;
  }
  // Audio samples: about one in eight moved by a millionth of itself or two, up or down (a
  // float's precision keeps it; silence stays silence).
  function noiseSamples(data) {
    for (var i = mix(-1) & 7, k; i < data.length; i += 1 + ((k >>> 1) & 15)) {
      k = mix(i);
      data[i] *= 1 + (k & 1 ? 1 : -1) * (1 + (k >>> 16) / 0xffff) * 1e-6;
    }
    return data;
  }

  // -- canvas readback -----------------------------------------------------------------
  var C2D = scope.CanvasRenderingContext2D, O2D = scope.OffscreenCanvasRenderingContext2D;
  var Canvas = scope.HTMLCanvasElement, Offscreen = scope.OffscreenCanvas;
  var copyOf = {  // the browser's own, for the element's copy and the offscreen one's
    element: [own2D(C2D, "getImageData"), own2D(C2D, "drawImage"), own2D(C2D, "putImageData"),
              Canvas && Canvas.prototype.getContext],
    offscreen: [own2D(O2D, "getImageData"), own2D(O2D, "drawImage"), own2D(O2D, "putImageData"),
                Offscreen && Offscreen.prototype.getContext],
  };
  var createElement = scope.Document && Document.prototype.createElement;
  // A copy of *canvas* (2D or WebGL, element or offscreen) with the visitor's noise in its
  // pixels, or null where none can be made (empty, tainted): the browser's own answer then.
  function noised(canvas) {
    var w = canvas.width, h = canvas.height;
    if (!w || !h) return null;
    try {
      var copy, own;
      if (Canvas && canvas instanceof Canvas) {
        copy = apply(createElement, canvas.ownerDocument, ["canvas"]);
        copy.width = w; copy.height = h;
        own = copyOf.element;
      } else {
        copy = new Offscreen(w, h);
        own = copyOf.offscreen;
      }
      var ctx = apply(own[3], copy, ["2d"]);
      apply(own[1], ctx, [canvas, 0, 0]);
      var image = apply(own[0], ctx, [0, 0, w, h]);
      noisePixels(image.data, w, h, 0, 0, w);
      apply(own[2], ctx, [image, 0, 0]);
      return copy;
    } catch (e) {
      return null;
    }
  }
  // An encoding of the canvas (toDataURL, toBlob, convertToBlob) is its noised copy's.
  function encodes(proto, name) {
    method(proto, name, function (own) {
      return { [name]() {
        var copy = noised(this);
        return apply(own, copy || this, arguments);
      } }[name];
    });
  }
  if (Canvas) { encodes(Canvas.prototype, "toDataURL"); encodes(Canvas.prototype, "toBlob"); }
  if (Offscreen) encodes(Offscreen.prototype, "convertToBlob");
  [C2D, O2D].forEach(function (Ctx) {
    if (!Ctx) return;
    method(Ctx.prototype, "getImageData", function (own) {
      return { getImageData(sx, sy, sw, sh) {
        var image = apply(own, this, arguments);
        // Positions count from the canvas's corner, so a part reads as the whole does.
        noisePixels(image.data, image.width, image.height, sw < 0 ? sx + sw : sx,
                    sh < 0 ? sy + sh : sy, this.canvas.width);
        return image;
      } }.getImageData;
    });
  });

  // -- WebGL readback ------------------------------------------------------------------
  [scope.WebGLRenderingContext, scope.WebGL2RenderingContext].forEach(function (GL) {
    if (!GL) return;
    method(GL.prototype, "readPixels", function (own) {
      return { readPixels(x, y, width, height, format, type, pixels) {
        var out = apply(own, this, arguments);
        if (format === 0x1908 && type === 0x1401 && width > 0 && height > 0 && pixels &&
            isView(pixels)) {
          var rows = min(height, floor(pixels.byteLength / 4 / width));
          noisePixels(new Uint8Array(pixels.buffer, pixels.byteOffset, rows * width * 4),
                      width, rows, 0, 0, width);
        }
        return out;
      } }.readPixels;
    });
  });

  // -- audio ---------------------------------------------------------------------------
  var Buffer = scope.AudioBuffer;
  if (Buffer) {
    var heard = new WeakMap();  // buffer -> the channels already given their noise
    var ownChannel = Buffer.prototype.getChannelData;
    var channelData = function (buffer, channel) {
      channel >>>= 0;  // as the browser reads it: 0.5 is channel 0, noised once
      var data = apply(ownChannel, buffer, [channel]);
      var done = apply(mapGet, heard, [buffer]);
      if (!done) apply(mapSet, heard, [buffer, done = {}]);
      if (!done[channel]) { done[channel] = true; noiseSamples(data); }
      return data;
    };
    method(Buffer.prototype, "getChannelData", function () {
      return { getChannelData(channel) { return channelData(this, channel); } }.getChannelData;
    });
    method(Buffer.prototype, "copyFromChannel", function (own) {
      return { copyFromChannel(destination, channelNumber) {
        channelData(this, channelNumber);
        return apply(own, this, arguments);
      } }.copyFromChannel;
    });
  }
  var Analyser = scope.AnalyserNode;
  if (Analyser) {
    ["getFloatFrequencyData", "getFloatTimeDomainData"].forEach(function (name) {
      method(Analyser.prototype, name, function (own) {
        return { [name](array) {
          var out = apply(own, this, arguments);
          if (array && isView(array)) noiseSamples(array);
          return out;
        } }[name];
      });
    });
  }

  // -- device properties (none that lays out or localises) -----------------------------
  var Nav = scope.Navigator || scope.WorkerNavigator;
  if (Nav) {
    getter(Nav.prototype, "hardwareConcurrency", NOISE.cores);
    getter(Nav.prototype, "deviceMemory", NOISE.memory);  // where the browser has it
  }
})
