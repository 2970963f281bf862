/* A minimal router: links marked data-route change the view with history.pushState. */
(function () {
  "use strict";
  var routes = {
    "/": ["Planner — home", "<h1>Plan your week</h1><p>A tiny planner: pick a route above.</p>"],
    "/features": ["Planner — features", "<h1>Features</h1><p>Weeks, lists and gentle reminders.</p>"],
    "/about": ["Planner — about", "<h1>About</h1><p>Made by two people who like paper.</p>"]
  };
  function render(path) {
    var route = routes[path] || ["Planner — not found", "<h1>Not found</h1>"];
    document.title = route[0];
    document.getElementById("view").innerHTML = route[1];
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-route]");
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey) return;
    e.preventDefault();
    var path = new URL(link.href).pathname;
    render(path);
    history.pushState({}, "", path);
  });
  window.addEventListener("popstate", function () { render(location.pathname); });
  render(location.pathname);
})();
