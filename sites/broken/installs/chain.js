/* The site's loader, loaded by a snippet: it installs the tracker once the page has loaded. */
window.addEventListener("load", function () {
  var s = document.createElement("script");
  s.src = "http://collector.localhost:8800/tracker.js";
  s.dataset.site = "broken";
  document.head.appendChild(s);
});
