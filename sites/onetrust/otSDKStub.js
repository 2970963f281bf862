/* A stand-in for OneTrust's cookie banner SDK: the same element ids, globals and cookies
 * (OptanonConsent, OptanonAlertBoxClosed, OnetrustActiveGroups), so tools built for the real
 * banner operate it. Targeting (C0004) must be active before the site tracks anyone. */
(function () {
  "use strict";
  var ALL = ",C0001,C0002,C0003,C0004,", NECESSARY = ",C0001,";
  function read(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function groupsFromCookie() {
    var consent = read("OptanonConsent");
    var m = consent && consent.match(/groups=([^&]*)/);
    if (!m) return NECESSARY;
    var on = m[1].split(",").filter(function (g) { return /:1$/.test(g); })
      .map(function (g) { return g.split(":")[0]; });
    return "," + on.join(",") + ",";
  }
  window.OnetrustActiveGroups = window.OptanonActiveGroups = groupsFromCookie();
  window.disableCookiesUsage = function () { return window.OnetrustActiveGroups.indexOf(",C0004,") < 0; };

  function save(groups) {
    var list = ["C0001", "C0002", "C0003", "C0004"].map(function (g) {
      return g + ":" + (groups.indexOf("," + g + ",") >= 0 ? 1 : 0);
    }).join(",");
    var year = "; path=/; max-age=31536000; samesite=lax";
    document.cookie = "OptanonConsent=" + encodeURIComponent("isGpcEnabled=0&datestamp=" +
      new Date().toString() + "&version=202409.1.0&groups=" + list) + year;
    document.cookie = "OptanonAlertBoxClosed=" + new Date().toISOString() + year;
    window.OnetrustActiveGroups = window.OptanonActiveGroups = groups;
    var banner = document.getElementById("onetrust-banner-sdk");
    if (banner) banner.classList.add("cmp-hidden");
    if (typeof window.OptanonWrapper === "function") window.OptanonWrapper();
  }
  window.OneTrust = {
    AllowAll: function () { save(ALL); },
    RejectAll: function () { save(NECESSARY); },
    IsAlertBoxClosed: function () { return read("OptanonAlertBoxClosed") !== null; },
    GetDomainData: function () { return { Groups: [{ CustomGroupId: "C0001" }, { CustomGroupId: "C0002" },
      { CustomGroupId: "C0003" }, { CustomGroupId: "C0004" }] }; },
  };
  document.addEventListener("DOMContentLoaded", function () {
    if (window.OneTrust.IsAlertBoxClosed()) return;
    var sdk = document.createElement("div");
    sdk.id = "onetrust-consent-sdk";
    sdk.innerHTML =
      '<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner">' +
      '<div id="onetrust-policy"><p id="onetrust-policy-text">We and our partners use cookies ' +
      "to measure visits and personalise offers. Choose which ones we may use.</p></div>" +
      '<div id="onetrust-button-group">' +
      '<button type="button" id="onetrust-pc-btn-handler" class="secondary">Cookie settings</button>' +
      '<button type="button" id="onetrust-reject-all-handler" class="secondary">Reject all</button>' +
      '<button type="button" id="onetrust-accept-btn-handler">Accept all cookies</button></div></div>';
    document.body.appendChild(sdk);
    document.getElementById("onetrust-accept-btn-handler").addEventListener("click", window.OneTrust.AllowAll);
    document.getElementById("onetrust-reject-all-handler").addEventListener("click", window.OneTrust.RejectAll);
  });
})();
