/* The estate's consent banner: remembers the visitor's choice in a first-party cookie and
 * answers the tracker through window.disableCookiesUsage(), asked at every decision. */
(function () {
  "use strict";
  function choice() {
    var m = document.cookie.match(/(?:^|; )site_consent=(accepted|rejected)/);
    return m ? m[1] : null;
  }
  window.disableCookiesUsage = function () { return choice() === "rejected"; };
  function decide(value) {
    document.cookie = "site_consent=" + value + "; path=/; max-age=15552000; samesite=lax";
    var banner = document.getElementById("cookie-banner");
    if (banner) banner.hidden = true;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var banner = document.getElementById("cookie-banner");
    if (!banner) return;
    banner.hidden = choice() !== null;
    document.getElementById("accept-cookies").addEventListener("click", function () { decide("accepted"); });
    document.getElementById("reject-cookies").addEventListener("click", function () { decide("rejected"); });
  });
})();
