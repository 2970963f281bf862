/* A stand-in for iubenda's Cookie Solution: #iubenda-cs-banner with only "Accept" and
 * "Learn more and customise" at its first layer, a preferences panel (#iubenda-iframe)
 * with "Reject all" (.iub-btn-reject, which unticks every purpose but does not close) and
 * "Save and continue" (#iubFooterBtn), and the consent cookie _iub_cs-<site id> (JSON:
 * timestamp, purposes). Declining takes three clicks. Visit tracking needs purpose 4
 * (measurement), on until the visitor rejects it. */
(function () {
  "use strict";
  var SITE_ID = "81256094";
  var NAME = "_iub_cs-" + SITE_ID;
  var PURPOSES = { 1: "Necessary", 2: "Functionality", 3: "Experience", 4: "Measurement", 5: "Marketing" };
  function stored() {
    var m = document.cookie.match(new RegExp("(?:^|; )" + NAME + "=([^;]*)"));
    try { return m ? JSON.parse(decodeURIComponent(m[1])) : null; } catch (e) { return null; }
  }
  var saved = stored();
  var purposes = saved ? saved.purposes : { 1: true, 2: true, 3: true, 4: true, 5: true };
  window.disableCookiesUsage = function () { return !purposes[4]; };
  window._iub = { cs: { consent: saved, api: { isConsentGiven: function () { return !!saved && !!purposes[4]; } } } };
  function save(values) {
    purposes = values;
    saved = { timestamp: new Date().toISOString(), version: "1.62.0", purposes: values, id: Number(SITE_ID) };
    document.cookie = NAME + "=" + encodeURIComponent(JSON.stringify(saved)) + "; path=/; max-age=31536000; samesite=lax";
    window._iub.cs.consent = saved;
    ["iubenda-cs-banner", "iubenda-iframe"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.parentNode.removeChild(el);
    });
  }
  function allOf(value) {
    var v = {};
    Object.keys(PURPOSES).forEach(function (k) { v[k] = k === "1" ? true : value; });
    return v;
  }
  function preferences() {
    var draft = Object.assign({}, purposes);
    var panel = document.createElement("div");
    panel.id = "iubenda-iframe";
    panel.setAttribute("role", "dialog");
    panel.innerHTML = '<div class="iub-body"><p>Your consent preferences</p>' +
      Object.keys(PURPOSES).map(function (k) {
        return '<p><label><input type="checkbox" data-purpose="' + k + '"' + (draft[k] ? " checked" : "") +
          (k === "1" ? " disabled" : "") + "> " + PURPOSES[k] + "</label></p>";
      }).join("") +
      '<button type="button" class="iub-btn iub-btn-reject">Reject all</button>' +
      '<button type="button" class="iub-btn iub-btn-consent">Accept all</button>' +
      '<button type="button" id="iubFooterBtn" class="iub-btn iub-btn-cp">Save and continue</button></div>';
    document.body.appendChild(panel);
    function tick(value) {
      panel.querySelectorAll("input[data-purpose]").forEach(function (box) {
        if (!box.disabled) box.checked = value;
      });
    }
    panel.querySelector(".iub-btn-reject").addEventListener("click", function () { tick(false); });
    panel.querySelector(".iub-btn-consent").addEventListener("click", function () { save(allOf(true)); });
    panel.querySelector("#iubFooterBtn").addEventListener("click", function () {
      var values = {};
      panel.querySelectorAll("input[data-purpose]").forEach(function (box) { values[box.dataset.purpose] = box.checked; });
      save(values);
    });
  }
  function render() {
    var banner = document.createElement("div");
    banner.id = "iubenda-cs-banner";
    banner.className = "iubenda-cs-default iubenda-cs-bottom";
    banner.setAttribute("role", "alertdialog");
    banner.innerHTML = '<div class="iubenda-cs-container"><div class="iubenda-cs-content">' +
      '<div id="iubenda-cs-paragraph">We and selected third parties use cookies for technical purposes and, with your consent, for measurement and marketing.</div>' +
      '<div class="iubenda-cs-opt-group">' +
      '<button type="button" class="iubenda-cs-customize-btn">Learn more and customise</button>' +
      '<button type="button" class="iubenda-cs-accept-btn iubenda-cs-btn-primary">Accept</button></div></div></div>';
    document.body.appendChild(banner);
    banner.querySelector(".iubenda-cs-accept-btn").addEventListener("click", function () { save(allOf(true)); });
    banner.querySelector(".iubenda-cs-customize-btn").addEventListener("click", preferences);
  }
  document.addEventListener("DOMContentLoaded", function () { if (!saved) render(); });
})();
