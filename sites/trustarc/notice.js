/* A stand-in for TrustArc's consent manager ("newcm"): the banner is drawn inside a frame
 * (.truste_popframe.trustarc_newcm_container, a same-origin iframe) with a.required
 * ("Required only") and a.call ("Agree and proceed"); the choice is kept in TrustArc's
 * cookies: cmapi_cookie_privacy ("permit 1" required only, "permit 1,2,3" all),
 * notice_preferences and notice_gdpr_prefs. Tools that only look at the page's own
 * document never see the buttons. Visit tracking needs category 3 (advertising), which
 * this site assumes (implied consent) until the visitor declines. */
(function () {
  "use strict";
  function read(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  var saved = read("cmapi_cookie_privacy");
  window.disableCookiesUsage = function () {
    var now = read("cmapi_cookie_privacy");
    return now !== null && now.indexOf("3") < 0;
  };
  window.truste = { eu: { bindMap: { prefCookie: saved } } };
  function save(all) {
    var year = "; path=/; max-age=31536000; samesite=lax";
    // Written as TrustArc writes them: unencoded, a space and commas in the value.
    document.cookie = "cmapi_cookie_privacy=" + (all ? "permit 1,2,3" : "permit 1") + year;
    document.cookie = "notice_preferences=" + (all ? "2:" : "0:") + year;
    document.cookie = "notice_gdpr_prefs=" + (all ? "0,1,2:" : "0:") + year;
    window.truste.eu.bindMap.prefCookie = read("cmapi_cookie_privacy");
    var frame = document.querySelector(".truste_popframe");
    if (frame) frame.parentNode.removeChild(frame);
  }
  function render() {
    var frame = document.createElement("iframe");
    frame.className = "truste_popframe trustarc_newcm_container";
    frame.title = "TrustArc Cookie Consent Manager";
    frame.setAttribute("style", "position:fixed;left:1rem;right:1rem;bottom:1rem;width:calc(100% - 2rem);height:9rem;" +
      "border:1px solid #e4e7ec;border-radius:8px;background:#fff;z-index:1000");
    document.body.appendChild(frame);
    var doc = frame.contentDocument;
    doc.open();
    doc.write('<!doctype html><html lang="en"><head><title>Cookie preferences</title></head><body style="font-family:sans-serif">' +
      "<p>We use cookies to run this site, to analyse its use and for advertising. " +
      "Choose which ones we may use.</p>" +
      '<p><a href="#" class="required" role="button">Required only</a> &nbsp; ' +
      '<a href="#" class="call" role="button">Agree and proceed</a></p></body></html>');
    doc.close();
    doc.querySelector("a.required").addEventListener("click", function (e) { e.preventDefault(); save(false); });
    doc.querySelector("a.call").addEventListener("click", function (e) { e.preventDefault(); save(true); });
  }
  document.addEventListener("DOMContentLoaded", function () { if (!saved) render(); });
})();
