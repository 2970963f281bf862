/* A stand-in for Quantcast Choice, an IAB TCF v2.2 CMP: #qc-cmp2-container / #qc-cmp2-ui with
 * its summary buttons, the __tcfapi function (ping, addEventListener, getTCData), the
 * __tcfapiLocator frame and the euconsent-v2 cookie. Tracks until the visitor disagrees. */
(function () {
  "use strict";
  var listeners = [], nextId = 1;
  function stored() {
    var m = document.cookie.match(/(?:^|; )euconsent-v2=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  var tcString = stored();
  // The demo's TC string ends in a marker of the choice; a real one encodes every purpose.
  function agreed() { return !tcString || /\.Y$/.test(tcString); }
  function tcData(status) {
    var consents = {};
    for (var p = 1; p <= 10; p++) consents[p] = !!tcString && agreed();
    return { tcString: tcString || "", gdprApplies: true, cmpId: 10, cmpVersion: 60, tcfPolicyVersion: 4,
             eventStatus: status, cmpStatus: "loaded", listenerId: undefined,
             purpose: { consents: consents, legitimateInterests: {} }, vendor: { consents: {} } };
  }
  window.__tcfapi = function (command, version, callback, parameter) {
    if (command === "ping") {
      callback({ gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded",
                 displayStatus: document.getElementById("qc-cmp2-ui") ? "visible" : "hidden",
                 apiVersion: "2.2", cmpVersion: 60, cmpId: 10, tcfPolicyVersion: 4 }, true);
    } else if (command === "addEventListener") {
      var entry = { id: nextId++, callback: callback };
      listeners.push(entry);
      var data = tcData(tcString ? "tcloaded" : "cmpuishown");
      data.listenerId = entry.id;
      callback(data, true);
    } else if (command === "removeEventListener") {
      listeners = listeners.filter(function (l) { return l.id !== parameter; });
      callback(true);
    } else if (command === "getTCData") {
      callback(tcData("tcloaded"), true);
    } else {
      callback(null, false);
    }
  };
  function decide(agree) {
    tcString = "CQ" + Date.now().toString(36).toUpperCase() + "AAAAAGEN" + (agree ? ".Y" : ".N");
    document.cookie = "euconsent-v2=" + encodeURIComponent(tcString) + "; path=/; max-age=33696000; samesite=lax";
    var container = document.getElementById("qc-cmp2-container");
    if (container) container.innerHTML = "";
    listeners.forEach(function (l) { var d = tcData("useractioncomplete"); d.listenerId = l.id; l.callback(d, true); });
  }
  window.disableCookiesUsage = function () { return !agreed(); };
  document.addEventListener("DOMContentLoaded", function () {
    var locator = document.createElement("iframe");
    locator.name = "__tcfapiLocator";
    locator.title = "TCF locator";
    locator.style.display = "none";
    document.body.appendChild(locator);
    var container = document.createElement("div");
    container.id = "qc-cmp2-container";
    document.body.appendChild(container);
    if (tcString) return;
    container.innerHTML = '<div id="qc-cmp2-main" class="qc-cmp2-main"><div id="qc-cmp2-ui" role="dialog" aria-label="We value your privacy">' +
      "<p>We and our partners store and access information on your device, such as cookies, to measure content and ads.</p>" +
      '<div class="qc-cmp2-summary-buttons">' +
      '<button type="button" mode="secondary" class="secondary">MORE OPTIONS</button>' +
      '<button type="button" mode="secondary" class="secondary" id="disagree-btn">DISAGREE</button>' +
      '<button type="button" mode="primary">AGREE</button></div></div></div>';
    container.querySelector("#disagree-btn").addEventListener("click", function () { decide(false); });
    container.querySelector("button[mode=primary]").addEventListener("click", function () { decide(true); });
  });
})();
