/* Evidence hooks for the consent audit, installed before any page script runs.
 * Every cookie write, web storage write and connection hint is reported with the time and,
 * where the stack shows it, the URL of the script that made it. */
(() => {
  const report = (kind, data) => {
    try { window.__webtrackEvidence({ kind, at: Date.now(), page: location.href, ...data }); } catch (e) { /* closed */ }
  };
  const caller = () => {
    const urls = (new Error().stack || "").match(/(?:https?|file):\/\/[^\s)@]+?(?=:\d+:\d+)/g) || [];
    return urls.length ? urls[0] : null;
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) {
      const text = String(value);
      report("cookie", { name: text.split("=")[0].trim(), value: text.slice(0, 400), script: caller() });
      return cookie.set.call(this, value);
    },
  });
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    let which = "storage";
    try { which = this === window.localStorage ? "localStorage" : "sessionStorage"; } catch (e) { /* opaque */ }
    report("storage", { storage: which, key: String(key), value: String(value).slice(0, 400), script: caller() });
    return setItem.apply(this, arguments);
  };
  if (window.cookieStore && window.cookieStore.set) {
    const set = window.cookieStore.set.bind(window.cookieStore);
    window.cookieStore.set = (name, value) => {
      const n = typeof name === "object" ? name.name : name;
      report("cookie", { name: String(n), value: String(typeof name === "object" ? name.value : value), script: caller(), api: "cookieStore" });
      return set(name, value);
    };
  }
  const hint = (link) => {
    const rel = (link.rel || "").toLowerCase();
    if (/preconnect|dns-prefetch|prefetch|preload/.test(rel) && link.href) report("hint", { rel, href: link.href, script: caller() });
  };
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) if (node.tagName === "LINK") hint(node);
  }).observe(document, { childList: true, subtree: true });
})();
