/* A stand-in for Didomi's web SDK: #didomi-host with the notice (#didomi-notice and its
 * agree / disagree buttons), window.Didomi (getCurrentUserStatus, setUserAgreeToAll,
 * setUserDisagreeToAll) and the didomi_token cookie. Tracking needs the analytics purpose. */
(function () {
  "use strict";
  var PURPOSES = ["cookies", "analytics", "advertising"];
  function stored() {
    var m = document.cookie.match(/(?:^|; )didomi_token=([^;]*)/);
    if (!m) return null;
    try { return JSON.parse(atob(decodeURIComponent(m[1]))); } catch (e) { return null; }
  }
  var token = stored();
  function enabled(purpose) { return !!(token && token.purposes && token.purposes.enabled.indexOf(purpose) >= 0); }
  function decide(agree) {
    token = { user_id: "demo-" + Date.now().toString(36), created: new Date().toISOString(),
              purposes: { enabled: agree ? PURPOSES.slice() : [], disabled: agree ? [] : PURPOSES.slice() } };
    document.cookie = "didomi_token=" + encodeURIComponent(btoa(JSON.stringify(token))) +
      "; path=/; max-age=15552000; samesite=lax";
    var host = document.getElementById("didomi-host");
    if (host) { host.innerHTML = ""; host.setAttribute("aria-hidden", "true"); }
    (window.didomiEventListeners || []).forEach(function (l) {
      if (l.event === "consent.changed" && typeof l.listener === "function") l.listener();
    });
  }
  window.Didomi = {
    setUserAgreeToAll: function () { decide(true); },
    setUserDisagreeToAll: function () { decide(false); },
    getCurrentUserStatus: function () {
      var purposes = {};
      PURPOSES.forEach(function (p) { purposes[p] = { id: p, enabled: enabled(p) }; });
      return { purposes: purposes, vendors: {}, regulation: "gdpr" };
    },
    getUserConsentStatusForAll: function () {
      return { purposes: token ? token.purposes : { enabled: [], disabled: [] } };
    },
    notice: { isVisible: function () { return !!document.getElementById("didomi-notice"); } },
  };
  window.disableCookiesUsage = function () { return !enabled("analytics"); };
  document.addEventListener("DOMContentLoaded", function () {
    var host = document.createElement("div");
    host.id = "didomi-host";
    document.body.appendChild(host);
    if (token) { host.setAttribute("aria-hidden", "true"); return; }
    host.innerHTML = '<div id="didomi-notice" class="didomi-notice-banner" role="dialog" aria-label="Your privacy">' +
      "<p>With your agreement, we and our partners use cookies to measure the audience of this site.</p>" +
      '<button type="button" class="secondary" id="didomi-notice-learn-more-button">Learn more</button>' +
      '<button type="button" class="secondary" id="didomi-notice-disagree-button">Disagree and close</button>' +
      '<button type="button" id="didomi-notice-agree-button">Agree and close</button></div>';
    document.getElementById("didomi-notice-agree-button").addEventListener("click", window.Didomi.setUserAgreeToAll);
    document.getElementById("didomi-notice-disagree-button").addEventListener("click", window.Didomi.setUserDisagreeToAll);
  });
})();
