/* A stock vendor-style tracker kept as a true failure for the consent audit:
 * it never asks disableCookiesUsage() or Global Privacy Control before tracking. */
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  var endpoint = script.getAttribute("data-collector") + "/collect";
  var url = new URL(location.href), ctx = url.searchParams.get("wt_ctx");
  if (ctx) {
    d.cookie = "msdynci_trackingContext=" + encodeURIComponent(ctx) + "; path=/; max-age=31536000; samesite=lax";
    url.searchParams.delete("wt_ctx");
    history.replaceState(null, "", url.href);
  }
  var m = d.cookie.match(/(?:^|; )msdynci_trackingContext=([^;]*)/);
  try { localStorage.setItem("vendor_last_visit", location.href); } catch (e) { /* ignore */ }
  function send(events) {
    navigator.sendBeacon(endpoint, JSON.stringify({
      site: "legacy", context: m ? decodeURIComponent(m[1]) : "anonymous-visitor", events: events
    }));
  }
  function id() { return String(Date.now()) + Math.random().toString(16).slice(2); }
  send([{
    event_id: id(), type: "website_visited", occurred_at: new Date().toISOString(),
    msdynci_viewuri: location.href, msdynci_viewname: location.pathname.split("/").pop() || "/",
    msdynci_viewtitle: d.title, msdynci_viewtype: "page", msdynci_viewpreviousviews: ""
  }]);
  d.addEventListener("click", function (e) {
    var a = e.target.closest("a[href],button");
    if (!a) return;
    send([{
      event_id: id(), type: "website_link_clicked", occurred_at: new Date().toISOString(),
      msdynci_actiontype: "LClick", msdynci_actionisoutbound: false,
      msdynci_clickcoordinates: Math.round(e.pageX) + "," + Math.round(e.pageY),
      msdynci_linkuri: a.href || "", msdynci_viewuri: location.href, msdynci_viewtitle: d.title
    }]);
  }, true);
})(window, document);
