/* A tag-manager style container: loads the site's tags after the page starts. */
(function (d) {
  "use strict";
  var tags = [{ src: "http://collector.localhost:8800/tracker.js", attrs: { "data-site": "tagged" } }];
  tags.forEach(function (tag) {
    var s = d.createElement("script");
    s.async = true;
    s.src = tag.src;
    Object.keys(tag.attrs).forEach(function (k) { s.setAttribute(k, tag.attrs[k]); });
    d.head.appendChild(s);
  });
})(document);
