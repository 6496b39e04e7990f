/* admin-reports.js: /admin/reports: the accounting journal summed per day, colour and mono,
 * top users and devices as SVG charts (chart.js), a table by any grouping, CSV export. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  let currency = "";

  /* A Date as the YYYY-MM-DD of its local day. */
  function iso(d) {
    const p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }

  /* The day after YYYY-MM-DD (the API's `to` is exclusive; the form's is inclusive). */
  function nextDay(s) {
    const d = new Date(s + "T12:00:00");
    d.setDate(d.getDate() + 1);
    return iso(d);
  }

  /* The query string of the chosen period. */
  function period() {
    return "from=" + $("from").value + "&to=" + nextDay($("to").value);
  }

  /* One report of the chosen period, grouped `by`. */
  async function report(by) {
    const r = await quire.api("GET", "/api/reports?by=" + by + "&" + period());
    currency = r.currency;
    for (const row of r.rows) row.cost_value = parseFloat(row.cost) || 0;
    return r.rows;
  }

  /* Every day of the period with its row (zeros for days nothing was printed). */
  function everyDay(rows) {
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const out = [];
    for (let d = $("from").value; d <= $("to").value && out.length < 400; d = nextDay(d))
      out.push(byKey.get(d) || { key: d, jobs: 0, pages: 0, sheets: 0, color_pages: 0,
                                 mono_pages: 0, cost_value: 0 });
    return out;
  }

  /* The value field and formatter of the chosen metric. */
  function metric() {
    const m = $("metric").value;
    if (m === "cost") return { key: "cost_value", fmt: (v) => v.toFixed(2) + " " + currency, label: "cost" };
    return { key: m, fmt: (v) => String(Math.round(v)), label: m };
  }

  /* Draws the charts and totals from the day, user and device reports. */
  function draw(days, users, devices) {
    const m = metric();
    const series = m.key === "pages"
      ? [{ key: "color_pages", cls: "bar-color", label: "colour pages" },
         { key: "mono_pages", cls: "bar-mono", label: "mono pages" }]
      : [{ key: m.key, cls: "bar-main", label: m.label }];
    $("per-day-title").textContent = "Per day: " + m.label + (m.key === "cost_value" ? " (" + currency + ")" : "");
    chart.columns($("chart-days"), everyDay(days), series, (it) => it.key.slice(5), m.fmt);
    const sum = (k) => days.reduce((s, r) => s + (+r[k] || 0), 0);
    chart.donut($("chart-mix"), [
      { key: "color", value: sum("color_pages"), cls: "bar-color", label: "Colour" },
      { key: "mono", value: sum("mono_pages"), cls: "bar-mono", label: "Mono" },
    ], (v) => String(v));
    $("users-title").textContent = "Top users: " + m.label;
    chart.ranking($("chart-users"), users, m.key, (it) => it.key || "(none)", m.fmt, 8);
    $("devices-title").textContent = "Top devices: " + m.label;
    chart.ranking($("chart-devices"), devices, m.key, (it) => it.key || "(none)", m.fmt, 8);
    $("total-jobs").textContent = sum("jobs");
    $("total-pages").textContent = sum("pages");
    $("total-color").textContent = sum("color_pages");
    $("total-cost").textContent = sum("cost_value").toFixed(2) + " " + currency;
  }

  /* Fills the table grouped by the chosen key, and points the CSV link at the same report. */
  async function table() {
    const by = $("by").value;
    $("by-head").textContent = $("by").selectedOptions[0].textContent;
    $("csv").href = "/api/reports?by=" + by + "&" + period() + "&format=csv";
    const rows = await report(by);
    quire.rows(document.querySelector("#report-table tbody"), rows, (r) => [
      r.key || "(none)", String(r.jobs), String(r.pages), String(r.sheets),
      String(r.color_pages), String(r.mono_pages), r.cost + " " + currency,
    ], "Nothing printed in this period.");
    for (const tr of document.querySelectorAll("#report-table tbody tr:not(.empty)"))
      for (const td of [...tr.children].slice(1)) td.className = "num";
  }

  /* Loads everything for the chosen period. */
  async function load() {
    quire.say("report-error", "");
    try {
      const [days, users, devices] = await Promise.all([report("day"), report("user"), report("device")]);
      draw(days, users, devices);
      await table();
      document.body.dataset.loaded = String(Date.now());
    } catch (e) {
      quire.say("report-error", e.message);
    }
  }

  quire.start().then((s) => {
    if (!s) return;
    const to = new Date(), from = new Date();
    from.setDate(from.getDate() - 29);
    $("from").value = iso(from);
    $("to").value = iso(to);
    $("period").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    $("metric").addEventListener("change", load);
    $("by").addEventListener("change", () => table().catch((e) => quire.say("report-error", e.message)));
    load();
  });
})();
