/* quire.js: what every logged-in page shares: the session (who, role, CSRF token), a JSON
 * API helper that sends the CSRF token with every change, and the page header with the
 * user's name, the admin links and logout. Plain JavaScript, no libraries. */
"use strict";

const quire = (() => {
  let session = null;

  /* The admin console's pages, in the order of the navigation bar. */
  const ADMIN_PAGES = [
    ["/admin", "Dashboard"], ["/admin/queues", "Queues"], ["/admin/devices", "Devices"],
    ["/admin/users", "Users"], ["/admin/prices", "Prices"], ["/admin/quotas", "Quotas"],
    ["/admin/reports", "Reports"], ["/admin/audit", "Audit log"],
    ["/admin/settings", "Settings"], ["/admin/tls", "TLS"],
  ];

  /* Calls the JSON API; resolves to the parsed answer, rejects with an Error whose message is
   * the server's "error" text and whose .status is the HTTP status. With `how.cookies` false
   * (a release terminal) no cookie is sent, and `how.bearer`, when set, is sent as the bearer
   * token instead; otherwise the session cookie and its CSRF token go with every change. */
  async function api(method, path, body, how) {
    const cookies = !how || how.cookies !== false;
    const opts = { method, headers: {}, credentials: cookies ? "same-origin" : "omit",
                   cache: "no-store" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (!cookies && how.bearer) opts.headers.Authorization = "Bearer " + how.bearer;
    if (cookies && method !== "GET" && session) opts.headers["X-CSRF-Token"] = session.csrf_token;
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) {
      const err = new Error((data && data.error) || r.statusText || "request failed");
      err.status = r.status;
      throw err;
    }
    return data;
  }

  /* Creates an element with attributes and children (strings become text, never HTML). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  /* Fills <header id="bar">: brand, navigation (admin links for admins), user, logout. */
  function header() {
    const bar = document.getElementById("bar");
    if (!bar) return;
    const nav = el("nav", {}, el("a", { href: "/", text: "My jobs" }));
    if (session.admin)
      for (const [href, text] of ADMIN_PAGES) nav.append(el("a", { href, text }));
    for (const a of nav.querySelectorAll("a"))
      if (a.getAttribute("href") === location.pathname) a.setAttribute("aria-current", "page");
    const logout = el("button", { id: "logout", type: "button", class: "secondary", text: "Log out" });
    logout.addEventListener("click", async () => {
      try { await api("POST", "/api/logout"); } catch (e) { /* gone already */ }
      location.assign("/login");
    });
    const who = el("span", { id: "who", class: "who", text: session.full_name || session.user });
    if (session.admin) who.append(el("span", { class: "badge", text: "admin" }));
    const brand = el("a", { class: "brand", href: "/", text: "quire" });
    if (session.site) brand.append(el("span", { class: "site", text: " " + session.site }));
    bar.replaceChildren(brand, nav, who, logout);
  }

  /* Loads the session (or goes to the login page) and draws the header. */
  async function start() {
    try {
      session = await api("GET", "/api/session");
    } catch (e) {
      if (e.status === 401) location.assign("/login?next=" + encodeURIComponent(location.pathname));
      return null;
    }
    header();
    return session;
  }

  /* Shows `text` in the element `id` (hidden when empty). */
  function say(id, text) {
    const e = document.getElementById(id);
    if (!e) return;
    e.textContent = text || "";
    e.hidden = !text;
  }

  /* A Unix time as a local date and time. */
  function date(seconds) {
    return new Date(seconds * 1000).toLocaleString();
  }

  /* A duration in seconds as "5 min", "3 h", "2 d". */
  function age(seconds) {
    if (seconds < 60) return Math.max(0, Math.round(seconds)) + " s";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    if (seconds < 86400) return Math.round(seconds / 3600) + " h";
    return Math.round(seconds / 86400) + " d";
  }

  /* Fills <tbody> `body` with one <tr> per item; `cells(item)` returns the row's cells
   * (strings or elements). `empty` is the text of the one row shown when there are none. */
  function rows(body, items, cells, empty) {
    const trs = items.map((it) => el("tr", {}, ...cells(it).map((c) => el("td", {}, c))));
    if (!trs.length) {
      const n = body.closest("table").querySelectorAll("thead th").length || 1;
      trs.push(el("tr", { class: "empty" }, el("td", { colspan: String(n), text: empty || "None." })));
    }
    body.replaceChildren(...trs);
  }

  /* The values of a form's named fields as an object (checkboxes as booleans, empty fields
   * left out). */
  function fields(form) {
    const o = {};
    for (const e of form.elements) {
      if (!e.name) continue;
      if (e.type === "checkbox") o[e.name] = e.checked;
      else if (e.value !== "") o[e.name] = e.value;
    }
    return o;
  }

  return { api, el, start, say, date, age, rows, fields, get session() { return session; } };
})();
