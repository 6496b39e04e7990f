/* devices-view.js: how the dashboard and the devices page show a device's live status: the
 * state cell, supply levels as <meter> bars, and whether it can print now. Plain JavaScript;
 * uses quire.el from quire.js. */
"use strict";

const quireDevices = (() => {
  const LOW = 10;  /* a supply at or below this level (%) is low (api-dashboard.h) */

  /* The one-word state of a device: unknown, unreachable, idle, processing, stopped. */
  function stateName(d) {
    const s = d.status || {};
    if (!s.checked) return "unknown";
    if (!s.reachable) return "unreachable";
    return s.state || "unknown";
  }

  /* The state cell's content: the state word (class state-ok or state-error) and, below it,
   * the reasons other than "none". */
  function stateCell(d) {
    const name = stateName(d);
    const s = d.status || {};
    const bad = name === "unreachable" || name === "stopped" || !s.can_release;
    const box = quire.el("span", {});
    box.append(quire.el("span", { class: "state-word " + (bad ? "state-error" : "state-ok"),
                                  text: name }));
    const reasons = (s.reasons || []).filter((r) => r && r !== "none");
    if (reasons.length)
      box.append(quire.el("small", { class: "reasons muted", text: reasons.join(", ") }));
    return box;
  }

  /* Whether the device takes releases now, or why not. */
  function canPrint(d) {
    const s = d.status || {};
    if (s.can_release) return quire.el("span", { class: "ok", text: "yes" });
    return quire.el("span", { class: "error", text: s.why_not || "no" });
  }

  /* The supplies as small bars: one <meter> per marker with its name and level. */
  function markers(d) {
    const list = (d.status && d.status.markers) || [];
    const box = quire.el("div", { class: "markers" });
    for (const m of list) {
      const level = typeof m.level === "number" ? m.level : -1;
      const waste = /^waste/.test(m.type || "");
      const low = !waste && level >= 0 && level <= LOW;
      const row = quire.el("div", { class: "marker" + (low ? " low" : "") });
      const meter = quire.el("meter", { min: "0", max: "100", low: String(LOW + 1), high: "30",
                                        optimum: "100", value: String(Math.max(0, level)),
                                        title: (m.name || "supply") + ": " +
                                               (level >= 0 ? level + "%" : "level unknown") });
      row.append(meter, quire.el("span", { text: (m.name || m.color || "supply") +
                                                  (level >= 0 ? " " + level + "%" : " ?") }));
      box.append(row);
    }
    if (!list.length) box.append(quire.el("span", { class: "muted", text: "not reported" }));
    return box;
  }

  /* Formats as short names: application/pdf -> pdf, image/pwg-raster -> pwg-raster. */
  function formats(d) {
    return ((d.capabilities && d.capabilities.formats) || [])
      .filter((f) => f !== "application/octet-stream")
      .map((f) => f.replace(/^(application|image)\//, "")).join(", ");
  }

  /* A <tr data-device=NAME> with the given cells; the cell of index `stateAt` gets class
   * "state". */
  function row(d, cells, stateAt) {
    const tr = quire.el("tr", { "data-device": d.name });
    cells.forEach((c, i) => tr.append(quire.el("td", i === stateAt ? { class: "state" } : {}, c)));
    return tr;
  }

  /* Fills `tbody` with `rows`, or one "empty" row with `text`. Each cell gets its column's
   * heading as data-label (shown before it when the table stacks on a phone). */
  function fill(tbody, rows, text) {
    const heads = [...tbody.closest("table").querySelectorAll("thead th")]
      .map((th) => th.textContent);
    for (const tr of rows)
      [...tr.children].forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
    if (!rows.length) {
      const n = tbody.closest("table").querySelectorAll("thead th").length || 1;
      rows.push(quire.el("tr", { class: "empty" }, quire.el("td", { colspan: String(n), text })));
    }
    tbody.replaceChildren(...rows);
  }

  return { stateName, stateCell, canPrint, markers, formats, row, fill };
})();
