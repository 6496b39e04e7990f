/* admin-audit.js: /admin/audit: the audit log of admin actions, newest first, by pages. */
"use strict";

(() => {
  const PAGE = 100;
  const $ = (id) => document.getElementById(id);
  let shown = [];

  /* The result column: the HTTP status as words. */
  function result(status) {
    const e = quire.el("span", { class: status < 400 ? "ok" : "error", text: String(status) });
    e.title = status < 400 ? "done" : "refused";
    return e;
  }

  /* Loads the next page (or the first one, when `fresh`). */
  async function load(fresh) {
    quire.say("audit-error", "");
    if (fresh) shown = [];
    const before = shown.length ? shown[shown.length - 1].id : 0;
    const actor = $("actor").value.trim();
    let q = "/api/audit?limit=" + PAGE + (before ? "&before=" + before : "");
    if (actor) q += "&actor=" + encodeURIComponent(actor);
    try {
      const recs = await quire.api("GET", q);
      shown = shown.concat(recs);
      quire.rows(document.querySelector("#audit tbody"), shown, (r) => [
        quire.date(r.time), r.actor, r.remote, r.action, r.target, result(r.status),
        quire.el("span", { class: "mono", text: r.detail }),
      ], "No administrator actions yet.");
      $("older").hidden = recs.length < PAGE;
    } catch (e) {
      quire.say("audit-error", e.message);
    }
  }

  quire.start().then((s) => {
    if (!s) return;
    $("filter").addEventListener("submit", (e) => { e.preventDefault(); load(true); });
    $("older").addEventListener("click", () => load(false));
    load(true);
  });
})();
