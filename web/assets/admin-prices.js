/* admin-prices.js: the price list page: one row per list and media with its prices editable
 * in place (inputs #price-LIST-MEDIA-FIELD, saved by #save-LIST-MEDIA), a form to add a row,
 * and which price list each device charges with (#list-DEVICE, #assign-DEVICE). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const FIELDS = ["mono", "color", "sheet", "duplex_discount"];

  function say(ok, text) {
    quire.say("prices-error", ok ? "" : text);
    quire.say("prices-done", ok ? text : "");
  }

  /* The path of one price row. */
  function path(list, media) {
    return "/api/prices/" + encodeURIComponent(list) + "/" + encodeURIComponent(media);
  }

  /* What a price form or row holds, as the API takes it (empty fields left out). */
  function body(get) {
    const b = {};
    for (const f of FIELDS) {
      const v = get(f).trim();
      if (v === "") continue;
      b[f] = f === "duplex_discount" && /^\d+$/.test(v) ? Number(v) : v;
    }
    return b;
  }

  async function save(list, media) {
    const row = `[data-list="${CSS.escape(list)}"][data-media="${CSS.escape(media)}"]`;
    const sel = (f) => document.querySelector(`input${row}[data-field="${f}"]`);
    try {
      show(await quire.api("PUT", path(list, media), body((f) => sel(f).value)));
      say(true, "Saved the " + media + " price of list " + list + ".");
    } catch (e) {
      say(false, e.message);
    }
  }

  async function remove(list, media, b) {
    if (!b.classList.contains("danger")) {
      b.classList.replace("secondary", "danger");
      b.textContent = "Really delete?";
      return;
    }
    try {
      await quire.api("DELETE", path(list, media));
      await load();
      say(true, "Deleted the " + media + " price of list " + list + ".");
    } catch (e) {
      say(false, e.message);
    }
  }

  function priceRow(list, p) {
    const id = "price-" + list + "-" + p.media;
    const inputs = FIELDS.map((f) => {
      const i = quire.el("input", { id: id + "-" + f, "data-list": list, "data-media": p.media,
                                    "data-field": f, value: String(p[f]),
                                    inputmode: f === "duplex_discount" ? "numeric" : "decimal",
                                    "aria-label": f + " price of " + list + " " + p.media });
      i.addEventListener("keydown", (ev) => { if (ev.key === "Enter") save(list, p.media); });
      return i;
    });
    const sv = quire.el("button", { type: "button", id: "save-" + list + "-" + p.media,
                                    class: "save-price", "data-list": list,
                                    "data-media": p.media, text: "Save" });
    sv.addEventListener("click", () => save(list, p.media));
    const del = quire.el("button", { type: "button", class: "secondary delete-price",
                                     "data-list": list, "data-media": p.media, text: "Delete" });
    del.addEventListener("click", () => remove(list, p.media, del));
    return [list, p.media, ...inputs, quire.el("span", {}, sv, del)];
  }

  function deviceRow(d) {
    const input = quire.el("input", { id: "list-" + d.name, class: "wide", list: "list-names",
                                      value: d.price_list, "data-device": d.name,
                                      "aria-label": "price list of " + d.name });
    const b = quire.el("button", { type: "button", id: "assign-" + d.name, class: "secondary",
                                   "data-device": d.name, text: "Use this list" });
    b.addEventListener("click", async () => {
      try {
        show(await quire.api("PUT", "/api/devices/" + encodeURIComponent(d.name) +
                             "/price-list", { list: input.value.trim() }));
        say(true, d.name + " now charges with list " + input.value.trim() + ".");
      } catch (e) {
        say(false, e.message);
      }
    });
    return [d.name, input, b];
  }

  function show(r) {
    $("currency").textContent = r.currency;
    const rows = [];
    for (const l of r.lists) for (const p of l.prices) rows.push([l.name, p]);
    quire.rows($("prices-body"), rows, ([list, p]) => priceRow(list, p),
               "No prices yet: every job is free until you add one.");
    for (const tr of $("prices-body").querySelectorAll("tr")) {
      const b = tr.querySelector("button.save-price");
      if (!b) continue;
      tr.setAttribute("data-list", b.getAttribute("data-list"));
      tr.setAttribute("data-media", b.getAttribute("data-media"));
    }
    quire.rows($("devices-body"), r.devices, deviceRow, "No devices yet.");
    $("list-names").replaceChildren(...r.lists.map((l) => quire.el("option", { value: l.name })));
  }

  async function load() {
    try {
      show(await quire.api("GET", "/api/prices"));
    } catch (e) {
      say(false, e.message);
    }
  }

  $("price-add").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const list = $("pa-list").value.trim(), media = $("pa-media").value.trim();
    const f = { mono: "pa-mono", color: "pa-color", sheet: "pa-sheet",
                duplex_discount: "pa-discount" };
    try {
      show(await quire.api("PUT", path(list, media), body((k) => $(f[k]).value)));
      say(true, "Saved the " + media + " price of list " + list + ".");
      for (const id of Object.values(f)) $(id).value = "";
    } catch (e) {
      say(false, e.message);
    }
  });
  quire.start().then((s) => { if (s) load(); });
})();
