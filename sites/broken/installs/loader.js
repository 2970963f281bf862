/* The site's own loader: the audit reads it as it reads an inline snippet. */
(function (d) {
  var s = d.createElement("script");
  s.src = "http://collector.localhost:8800/tracker.js";
  s.setAttribute("data-site", "broken");
  d.head.appendChild(s);
})(document);
