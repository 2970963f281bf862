/* A stand-in for Cookiebot's uc.js: the window.Cookiebot object (consent, hasResponse,
 * declined, dialog.visible, show, hide, withdraw), the CybotCookiebotDialog markup and the
 * CookieConsent cookie. The site tracks only with statistics consent. */
(function () {
  "use strict";
  function stored() {
    var m = document.cookie.match(/(?:^|; )CookieConsent=([^;]*)/);
    if (!m) return null;
    var text = decodeURIComponent(m[1]);
    return { preferences: /preferences:true/.test(text), statistics: /statistics:true/.test(text),
             marketing: /marketing:true/.test(text) };
  }
  var previous = stored();
  var cb = window.Cookiebot = {
    consent: { necessary: true, preferences: false, statistics: false, marketing: false, method: null },
    consented: false, declined: false, hasResponse: previous !== null, doNotTrack: false,
    dialog: { visible: false },
    show: function () { render(); },
    hide: function () {
      var d = document.getElementById("CybotCookiebotDialog");
      if (d) d.classList.add("cmp-hidden");
      cb.dialog.visible = false;
    },
    withdraw: function () { cb.submitCustomConsent(false, false, false); },
    submitCustomConsent: function (preferences, statistics, marketing) {
      var c = cb.consent;
      c.preferences = !!preferences; c.statistics = !!statistics; c.marketing = !!marketing;
      c.method = "explicit";
      cb.consented = c.preferences || c.statistics || c.marketing;
      cb.declined = !cb.consented;
      cb.hasResponse = true;
      document.cookie = "CookieConsent=" + encodeURIComponent("{stamp:'demo-" + Date.now().toString(36) +
        "',necessary:true,preferences:" + c.preferences + ",statistics:" + c.statistics +
        ",marketing:" + c.marketing + ",method:'explicit',ver:1,utc:" + Date.now() + "}") +
        "; path=/; max-age=31536000; samesite=lax";
      cb.hide();
      window.dispatchEvent(new Event(cb.consented ? "CookiebotOnAccept" : "CookiebotOnDecline"));
    },
  };
  if (previous) {
    cb.consent.preferences = previous.preferences; cb.consent.statistics = previous.statistics;
    cb.consent.marketing = previous.marketing;
    cb.consented = previous.preferences || previous.statistics || previous.marketing;
    cb.declined = !cb.consented;
  }
  window.disableCookiesUsage = function () { return !cb.consent.statistics; };

  function box(id, label, extra) {
    return '<label><input type="checkbox" class="CybotCookiebotDialogBodyLevelButton" id="CybotCookiebotDialogBodyLevelButton' +
      id + '"' + (extra || "") + "> " + label + "</label>";
  }
  function render() {
    if (document.getElementById("CybotCookiebotDialog")) {
      document.getElementById("CybotCookiebotDialog").classList.remove("cmp-hidden");
    } else {
      var d = document.createElement("div");
      d.id = "CybotCookiebotDialog";
      d.setAttribute("role", "dialog");
      d.setAttribute("aria-label", "This website uses cookies");
      d.innerHTML = '<p id="CybotCookiebotDialogBodyContentText">We use cookies to count visits and to ' +
        "remember what you read. You choose which kinds.</p>" +
        '<div id="CybotCookiebotDialogBodyLevelWrapper">' +
        box("Necessary", "Necessary", " checked disabled") + box("Preferences", "Preferences") +
        box("Statistics", "Statistics") + box("Marketing", "Marketing") + "</div>" +
        '<button type="button" class="secondary" id="CybotCookiebotDialogBodyLevelButtonLevelOptinDeclineAll">Deny</button>' +
        '<button type="button" class="secondary" id="CybotCookiebotDialogBodyLevelButtonAccept">Allow selection</button>' +
        '<button type="button" id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Allow all</button>';
      document.body.appendChild(d);
      var checked = function (name) { return document.getElementById("CybotCookiebotDialogBodyLevelButton" + name).checked; };
      document.getElementById("CybotCookiebotDialogBodyLevelButtonLevelOptinDeclineAll")
        .addEventListener("click", function () { cb.submitCustomConsent(false, false, false); });
      document.getElementById("CybotCookiebotDialogBodyLevelButtonAccept").addEventListener("click", function () {
        cb.submitCustomConsent(checked("Preferences"), checked("Statistics"), checked("Marketing"));
      });
      document.getElementById("CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll")
        .addEventListener("click", function () { cb.submitCustomConsent(true, true, true); });
    }
    cb.dialog.visible = true;
  }
  document.addEventListener("DOMContentLoaded", function () { if (!cb.hasResponse) render(); });
})();
