/* A stand-in for Klaro: the .klaro > .cookie-notice markup (cn-decline, cm-btn-success), the
 * window.klaro API (show, getManager with consents, changeAll, saveAndApplyConsents) and the
 * consent cookie named by klaroConfig. A service on by default runs until it is declined. */
(function () {
  "use strict";
  var config = window.klaroConfig;
  function stored() {
    var m = document.cookie.match(new RegExp("(?:^|; )" + config.cookieName + "=([^;]*)"));
    try { return m ? JSON.parse(decodeURIComponent(m[1])) : null; } catch (e) { return null; }
  }
  var saved = stored();
  var consents = {};
  config.services.forEach(function (s) {
    consents[s.name] = saved && s.name in saved ? saved[s.name] : !!(s.required || s.default);
  });
  var manager = {
    config: config, consents: consents, confirmed: !!saved,
    changeAll: function (value) {
      config.services.forEach(function (s) { consents[s.name] = s.required ? true : value; });
    },
    saveAndApplyConsents: function () {
      document.cookie = config.cookieName + "=" + encodeURIComponent(JSON.stringify(consents)) +
        "; path=/; max-age=" + config.cookieExpiresAfterDays * 86400 + "; samesite=lax";
      manager.confirmed = true;
      var notice = document.querySelector(".klaro .cookie-notice");
      if (notice) notice.parentNode.removeChild(notice);
    },
  };
  window.klaro = {
    getManager: function () { return manager; },
    show: function () { render(); },
  };
  window.disableCookiesUsage = function () { return !consents.webtrack; };
  function render() {
    var host = document.querySelector(".klaro");
    if (!host) {
      host = document.createElement("div");
      host.className = "klaro";
      document.body.appendChild(host);
    }
    host.innerHTML = '<div class="cookie-notice" role="dialog" aria-label="Cookie notice"><div class="cn-body">' +
      "<p>Hi! Could we please enable some additional services for visit statistics? You can always change or withdraw your consent later.</p>" +
      '<div class="cn-ok"><button type="button" class="cm-btn cm-btn-danger cn-decline secondary">I decline</button>' +
      '<button type="button" class="cm-btn cm-btn-success">That\'s ok</button></div></div></div>';
    host.querySelector(".cn-decline").addEventListener("click", function () { manager.changeAll(false); manager.saveAndApplyConsents(); });
    host.querySelector(".cm-btn-success").addEventListener("click", function () { manager.changeAll(true); manager.saveAndApplyConsents(); });
  }
  document.addEventListener("DOMContentLoaded", function () { if (!manager.confirmed) render(); });
})();
