/* A stand-in for Osano's consent manager: .osano-cm-window holding the bar dialog
 * (.osano-cm-dialog--type_bar with osano-cm-deny / osano-cm-accept-all), window.Osano.cm
 * (dialogOpen, getConsent) and Osano's cookies: osano_consentmanager (the choice, base64
 * JSON) and osano_consentmanager_uuid (the id of the consent record, kept as proof). The
 * rule autoconsent has for Osano has no self-test: the report must say so, not claim one.
 * Visit tracking needs the ANALYTICS category, on until the visitor denies it. */
(function () {
  "use strict";
  function read(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function stored() {
    try { return JSON.parse(atob(read("osano_consentmanager") || "")); } catch (e) { return null; }
  }
  var consent = stored();
  window.disableCookiesUsage = function () { return !!consent && consent.ANALYTICS !== "ACCEPT"; };
  function uuid() {
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }
  var cm = {
    dialogOpen: false,
    getConsent: function () { return consent || { ESSENTIAL: "ACCEPT", ANALYTICS: "ACCEPT", MARKETING: "ACCEPT", PERSONALIZATION: "ACCEPT" }; },
  };
  window.Osano = { cm: cm };
  function save(value) {
    consent = { ESSENTIAL: "ACCEPT", ANALYTICS: value, MARKETING: value, PERSONALIZATION: value };
    var year = "; path=/; max-age=31536000; samesite=lax";
    document.cookie = "osano_consentmanager=" + encodeURIComponent(btoa(JSON.stringify(consent))) + year;
    if (!read("osano_consentmanager_uuid")) document.cookie = "osano_consentmanager_uuid=" + uuid() + year;
    var dialog = document.querySelector(".osano-cm-dialog");
    if (dialog) dialog.classList.add("osano-cm-dialog--hidden");
    cm.dialogOpen = false;
  }
  function render() {
    var root = document.createElement("div");
    root.className = "osano-cm-window";
    root.innerHTML = '<div class="osano-cm-dialog osano-cm-dialog--position_bottom osano-cm-dialog--type_bar" role="dialog" aria-label="Cookie Consent Banner">' +
      '<div class="osano-cm-content"><span class="osano-cm-message">This website stores data such as cookies to enable site functionality, analytics and marketing.</span></div>' +
      '<div class="osano-cm-dialog__buttons">' +
      '<button type="button" class="osano-cm-button osano-cm-manage osano-cm-button--type_manage">Manage Preferences</button>' +
      '<button type="button" class="osano-cm-button osano-cm-deny osano-cm-button--type_deny">Deny</button>' +
      '<button type="button" class="osano-cm-button osano-cm-accept-all osano-cm-button--type_accept">Accept All</button>' +
      "</div></div>";
    document.body.appendChild(root);
    cm.dialogOpen = true;
    root.querySelector(".osano-cm-deny").addEventListener("click", function () { save("DENY"); });
    root.querySelector(".osano-cm-accept-all").addEventListener("click", function () { save("ACCEPT"); });
  }
  document.addEventListener("DOMContentLoaded", function () { if (!consent) render(); });
})();
