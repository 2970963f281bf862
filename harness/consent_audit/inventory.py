"""What a page's origin keeps: every cookie-less store a script (or a worker) can write.

Hooks see writes made by the page's own scripts; workers, and anything that slips past a
hook, are found by taking stock: at the opt-out and again after the page has closed, every
entry of localStorage, sessionStorage, IndexedDB (an empty database or store by its name,
and each database's version as ``db/(version)``),
Cache Storage and the origin private file system (``opfs``: each folder and file by its
path, with a file's text) of each origin visited, its service workers' registrations (the
script's address, which may carry an identifier) and the page's history state.
"""

from __future__ import annotations

from ..pagehooks import KEEP

# Evaluated in a frame; returns [{origin, storage, key, value}]. Read-only: IndexedDB opened
# by name with its current version, no upgrade.
INVENTORY = """async () => {
  const STANDARD = new RegExp("^(" + [
    "content-(type|length|encoding|language)", "date", "last-modified", "etag", "age", "vary",
    "cache-control", "expires", "server", "accept-ranges", "connection", "keep-alive",
    "transfer-encoding", "access-control-.*", "cross-origin-.*", "x-content-type-options",
    "referrer-policy", "strict-transport-security", "content-security-policy.*",
    "x-frame-options", "permissions-policy", "timing-allow-origin", "alt-svc", "report-to",
    "nel"].join("|") + ")$");
  const KEEP = @KEEP@, items = [], origin = location.origin, cut = (v) => {
    try { return (typeof v === "string" ? v : JSON.stringify(v) ?? String(v)).slice(0, KEEP); }
    catch (e) { return String(v).slice(0, KEEP); }
  };
  // Bytes as their text where they are text, else as hex (random bytes, sent later in
  // base64, are matched from it: identifiers.forms).
  const text = (bytes) => {
    try {
      const t = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      if (!/[\x00-\x08\x0e-\x1f\x7f\ufffd]/.test(t)) return t;
    } catch (e) { /* not UTF-8 */ }
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };
  // What JSON shows as {}: a Blob's text (and a File's name), bytes (a buffer or a typed
  // array), a Map's entries and a Set's members, in a stored value however deep (to a bound).
  const plain = async (v, depth) => {
    if (depth > 4 || v === null || typeof v !== "object") return v;
    if (typeof v.toJSON === "function") return v;
    try {
      if (typeof Blob === "function" && v instanceof Blob) {
        const body = text(new Uint8Array(await v.slice(0, KEEP).arrayBuffer()));
        return typeof File === "function" && v instanceof File ? { name: v.name, body } : body;
      }
      if (v instanceof ArrayBuffer) v = new Uint8Array(v);
      if (ArrayBuffer.isView(v)) {
        const size = Math.min(v.byteLength, KEEP);
        return text(new Uint8Array(v.buffer, v.byteOffset, size));
      }
      if (v instanceof Map) v = Array.from(v.entries());
      else if (v instanceof Set) v = Array.from(v);
      if (Array.isArray(v)) {
        return await Promise.all(v.slice(0, 200).map((x) => plain(x, depth + 1)));
      }
      const out = {};
      for (const k of Object.keys(v).slice(0, 200)) out[k] = await plain(v[k], depth + 1);
      return out;
    } catch (e) { return v; }
  };
  for (const name of ["localStorage", "sessionStorage"]) {
    try {
      const s = window[name];
      for (let i = 0; i < s.length; i++) {
        const key = s.key(i);
        items.push({ origin, storage: name, key, value: cut(s.getItem(key)) });
      }
    } catch (e) { /* storage denied */ }
  }
  const databases = async (idb, prefix) => {
    const dbs = idb.databases ? await idb.databases() : [];
    for (const info of dbs) {
      const db = await new Promise((ok, no) => {
        const r = idb.open(info.name);
        r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
        r.onupgradeneeded = () => { r.transaction.abort(); };
      });
      // A database or store with nothing in it still keeps its name (which may be the
      // identifier): on record as an entry of no value.
      const bare = (key) => items.push({ origin, storage: "indexedDB", key, value: "" });
      // A database's version is the page's to choose (indexedDB.open(name, n)): it may be
      // the identifier (differential.py compares it between two fresh visitors).
      items.push({ origin, storage: "indexedDB", key: `${prefix}${info.name}/(version)`,
                   value: String(db.version) });
      if (!db.objectStoreNames.length) bare(`${prefix}${info.name}`);
      for (const store of Array.from(db.objectStoreNames)) {
        const rows = await new Promise((ok) => {
          const out = [], req = db.transaction(store).objectStore(store).openCursor();
          req.onsuccess = () => {
            const c = req.result;
            if (!c || out.length >= 50) return ok(out);
            out.push([c.key, c.value]); c.continue();
          };
          req.onerror = () => ok(out);
        });
        if (!rows.length) bare(`${prefix}${info.name}/${store}`);
        for (const [raw, stored] of rows) {
          const key = cut(await plain(raw, 0)), value = cut(await plain(stored, 0));
          const where = `${prefix}${info.name}/${store}/${key}`;
          items.push({ origin, storage: "indexedDB", key: where, value });
        }
      }
      db.close();
    }
  };
  try { await databases(indexedDB, ""); } catch (e) { /* no IndexedDB here */ }
  // Storage buckets (Chromium): each keeps an IndexedDB of its own.
  try {
    for (const name of navigator.storageBuckets ? await navigator.storageBuckets.keys() : []) {
      const bucket = await navigator.storageBuckets.open(name);
      await databases(bucket.indexedDB, `bucket:${name}/`);
    }
  } catch (e) { /* no buckets here */ }
  try {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of (await cache.keys()).slice(0, 50)) {
        // What is kept is the answer too: read it, unless it is a page's static asset
        // (a stylesheet, a script, a font or a medium), whose text says nothing of a visitor.
        // A script's or style sheet's text is kept apart (asset): an identifier in it is
        // the visitor's only where a fresh visitor is given none (served.py).
        let value = "", asset = "", headers = "";
        try {
          const answer = await cache.match(request);
          // Its headers, but for the ones every answer has (a page may keep an id in one).
          for (const [k, v] of answer ? answer.headers : []) {
            if (!STANDARD.test(k)) headers += `${k}: ${v}\n`;
          }
          const type = (answer && answer.headers.get("content-type")) || "";
          const read = async () => cut(await answer.text());
          if (answer && /css|javascript|ecmascript/i.test(type)) asset = await read();
          else if (answer && !/font|image|audio|video|wasm/i.test(type)) value = await read();
        } catch (e) { /* an opaque or unreadable answer */ }
        const item = { origin, storage: "cacheStorage", key: `${name}/${request.url}`, value };
        if (asset) item.asset = asset;
        if (headers) item.headers = headers;
        items.push(item);
      }
    }
  } catch (e) { /* no Cache Storage here (not a secure context) */ }
  try {  // a service worker's registration: its script's address (and scope) may carry an id
    const sw = navigator.serviceWorker;
    for (const reg of sw ? await sw.getRegistrations() : []) {
      const worker = reg.active || reg.waiting || reg.installing;
      const value = worker ? worker.scriptURL : "";
      items.push({ origin, storage: "serviceWorker", key: reg.scope, value });
    }
  } catch (e) { /* no service workers here */ }
  try {  // the history entry's state, kept with the tab as sessionStorage is
    if (history.state !== null && history.state !== undefined) {
      const value = cut(history.state);
      items.push({ origin, storage: "history.state", key: "history.state", value });
    }
  } catch (e) { /* unreadable */ }
  try {  // the origin private file system: each folder and file, named by its path
    const walk = async (folder, path, depth) => {
      for await (const [name, handle] of folder.entries()) {
        if (items.length >= 2000) return;
        const where = `${path}/${name}`;
        if (handle.kind === "directory") {
          items.push({ origin, storage: "opfs", key: `${where}/`, value: "" });
          if (depth < 4) await walk(handle, where, depth + 1);
          continue;
        }
        let value = "";
        try {
          const file = (await handle.getFile()).slice(0, KEEP);
          value = cut(text(new Uint8Array(await file.arrayBuffer())));
        } catch (e) { /* held by a worker */ }
        items.push({ origin, storage: "opfs", key: where, value });
      }
    };
    if (navigator.storage && navigator.storage.getDirectory) {
      await walk(await navigator.storage.getDirectory(), "", 0);
    }
  } catch (e) { /* no file system here */ }
  return items;
}""".replace("@KEEP@", str(KEEP))


# Evaluated in a frame with the origins already taken: the frame's origin, and its stock
# when the origin is new ([origin, null] when not). One round trip a frame, not two (one
# to ask the origin, one to take it).
NEW_ORIGIN = f"""async (seen) => {{
  const origin = location.origin;
  if (origin === "null" || seen.includes(origin)) return [origin, null];
  return [origin, await ({INVENTORY})()];
}}"""


async def take(page, seen: list[str] | None = None) -> list[dict]:
    """Every stored entry of every frame's origin in *page* (each origin once); the origins
    are added to *seen*."""
    items, seen = [], seen if seen is not None else []
    for frame in page.frames:
        try:
            origin, stock = await frame.evaluate(NEW_ORIGIN, seen)
        except Exception:  # a frame that went away meanwhile
            continue
        if stock is not None:
            seen.append(origin)
            items.extend(stock)
    return items


async def take_origins(context, origins: list[str], path: str, page=None) -> list[dict]:
    """Inventory each origin from a fresh page on *path* (a blank page the proxy serves);
    *page*, when given, is such a page already open (and is closed after)."""
    page = page or await context.new_page()
    items: list[dict] = []
    try:
        for origin in origins:
            try:
                if page.url != origin + path:
                    await page.goto(origin + path, wait_until="domcontentloaded",
                                    timeout=10000)
                items.extend(await page.evaluate(INVENTORY))
            except Exception:
                continue
    finally:
        await page.close()
    return items
