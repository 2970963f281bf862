/* A stand-in for Usercentrics' browser UI: #usercentrics-root with an open shadow root holding
 * the banner ([data-testid=uc-container], uc-deny-all-button, uc-accept-all-button), the UC_UI
 * API and the consent record in localStorage (uc_settings). Like many sites in practice it
 * tracks until the visitor declines. */
(function () {
  "use strict";
  var KEY = "uc_settings";
  function stored() {
    try { return JSON.parse(localStorage.getItem(KEY)); } catch (e) { return null; }
  }
  var settings = stored();
  function decide(all) {
    settings = { version: 3, controllerId: "demo-" + Date.now().toString(36),
                 services: [{ id: "webtrack", status: all }, { id: "essential", status: true }] };
    localStorage.setItem(KEY, JSON.stringify(settings));
    localStorage.setItem("uc_user_interaction", "true");
    window.UC_UI.closeCMP();
    window.dispatchEvent(new CustomEvent("UC_UI_CMP_EVENT", { detail: { type: all ? "ACCEPT_ALL" : "DENY_ALL" } }));
    return Promise.resolve();
  }
  function allowed() {
    var s = settings && settings.services.filter(function (x) { return x.id === "webtrack"; })[0];
    return !s || s.status;
  }
  window.UC_UI = {
    isInitialized: function () { return true; },
    acceptAllConsents: function () { return decide(true); },
    denyAllConsents: function () { return decide(false); },
    areAllConsentsAccepted: function () { return !!settings && allowed(); },
    closeCMP: function () {
      var root = document.getElementById("usercentrics-root");
      if (root && root.shadowRoot) root.shadowRoot.innerHTML = "";
      return true;
    },
    showFirstLayer: function () { render(); },
  };
  window.disableCookiesUsage = function () { return !allowed(); };
  function render() {
    var root = document.getElementById("usercentrics-root");
    root.shadowRoot.innerHTML = '<link rel="stylesheet" href="/_shared/cmp.css">' +
      '<div data-testid="uc-container" class="uc-banner" role="dialog" aria-label="Privacy settings">' +
      "<p>We use technologies such as cookies to measure visits. You can decline or accept them.</p>" +
      '<button type="button" data-testid="uc-more-button">Settings</button>' +
      '<button type="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button type="button" data-testid="uc-accept-all-button">Accept all</button></div>';
    root.shadowRoot.querySelector("[data-testid=uc-deny-all-button]").addEventListener("click", window.UC_UI.denyAllConsents);
    root.shadowRoot.querySelector("[data-testid=uc-accept-all-button]").addEventListener("click", window.UC_UI.acceptAllConsents);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.createElement("div");
    root.id = "usercentrics-root";
    root.attachShadow({ mode: "open" });
    document.body.appendChild(root);
    if (!settings) render();
  });
})();
