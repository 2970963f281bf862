/* A stand-in for CookieYes' banner script: .cky-consent-container with the data-cky-tag
 * buttons, the preference centre (.cky-modal, one checkbox per category, detail-save-button),
 * getCkyConsent() and the cookieyes-consent cookie ("consentid:…,analytics:no,…").
 * Two things tools get wrong, as real installs do them: the banner is drawn late (it
 * renders a few seconds after the page is parsed), and it has no "Reject all" at its
 * first layer, so declining means Customize, untick the pre-ticked categories, Save.
 * Visit tracking needs the analytics category, which is on until the visitor says no.
 * Installed as CookieYes documents it: a plain (blocking) script in <head>, before the
 * tracker, so disableCookiesUsage exists before the tracker first decides (async here
 * would be a real race, reported by the static audit as WT009). */
(function () {
  "use strict";
  var CATEGORIES = ["necessary", "functional", "analytics", "performance", "advertisement"];
  var NAME = "cookieyes-consent";
  function read() {
    var m = document.cookie.match(new RegExp("(?:^|; )" + NAME + "=([^;]*)"));
    if (!m) return null;
    var out = {};
    decodeURIComponent(m[1]).split(",").forEach(function (pair) {
      var kv = pair.split(":");
      out[kv[0]] = kv[1];
    });
    return out;
  }
  var saved = read();
  var chosen = {};
  CATEGORIES.forEach(function (c) {
    chosen[c] = saved ? saved[c] === "yes" : c !== "advertisement";
  });
  window.disableCookiesUsage = function () { return !chosen.analytics; };
  window.getCkyConsent = function () {
    return { activeLaw: "gdpr", isUserActionCompleted: !!saved, consentID: saved && saved.consentid,
             categories: Object.assign({}, chosen) };
  };
  function save(values) {
    chosen = values;
    var id = (saved && saved.consentid) || Math.random().toString(36).slice(2) + Date.now().toString(36);
    var parts = ["consentid:" + id, "consent:" + (values.analytics ? "yes" : "no"), "action:yes"];
    CATEGORIES.forEach(function (c) { parts.push(c + ":" + (values[c] ? "yes" : "no")); });
    document.cookie = NAME + "=" + parts.join(",") + "; path=/; max-age=31536000; samesite=lax";
    saved = read();
    var root = document.querySelector(".cky-consent-container");
    if (root) root.parentNode.removeChild(root);
    var modal = document.querySelector(".cky-modal");
    if (modal) modal.parentNode.removeChild(modal);
    document.dispatchEvent(new CustomEvent("cookieyes_consent_update", { detail: values }));
  }
  function all(value) {
    var v = {};
    CATEGORIES.forEach(function (c) { v[c] = c === "necessary" ? true : value; });
    return v;
  }
  function openPreferences() {
    var modal = document.createElement("div");
    modal.className = "cky-modal cky-modal-open";
    modal.setAttribute("role", "dialog");
    modal.innerHTML = '<div class="cky-preference-center"><p class="cky-preference-title">Customise Consent Preferences</p>' +
      CATEGORIES.map(function (c) {
        return '<p><label><input type="checkbox" id="ckySwitch' + c + '"' + (chosen[c] ? " checked" : "") +
          (c === "necessary" ? " disabled" : "") + "> " + c + "</label></p>";
      }).join("") +
      '<button type="button" class="cky-btn cky-btn-preferences" data-cky-tag="detail-save-button">Save My Preferences</button></div>';
    document.body.appendChild(modal);
    modal.querySelector("[data-cky-tag=detail-save-button]").addEventListener("click", function () {
      var values = {};
      CATEGORIES.forEach(function (c) { values[c] = modal.querySelector("#ckySwitch" + c).checked; });
      save(values);
    });
  }
  function render() {
    var root = document.createElement("div");
    root.className = "cky-consent-container cky-box-bottom-left";
    root.setAttribute("aria-label", "We value your privacy");
    root.innerHTML = '<div class="cky-consent-bar"><div class="cky-notice"><p class="cky-title">We value your privacy</p>' +
      '<div class="cky-notice-des"><p>We use cookies to enhance your browsing experience and analyse our traffic.</p></div>' +
      '<div class="cky-notice-btn-wrapper">' +
      '<button type="button" class="cky-btn cky-btn-customize" data-cky-tag="settings-button">Customize</button>' +
      '<button type="button" class="cky-btn cky-btn-accept" data-cky-tag="accept-button">Accept All</button>' +
      "</div></div></div>";
    document.body.appendChild(root);
    root.querySelector("[data-cky-tag=accept-button]").addEventListener("click", function () { save(all(true)); });
    root.querySelector("[data-cky-tag=settings-button]").addEventListener("click", openPreferences);
  }
  function later() { if (!saved) setTimeout(render, 2500); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", later);
  else later();
})();
