/* release.js: what the portal (/) and the release terminal (/terminal) share: held jobs as
 * cards (page-1 thumbnail, name, pages, colour pages, sheets, estimated cost, age, state),
 * kept in place across refreshes so that a selection and a loaded thumbnail survive, and the
 * per-job results of a release. Uses quire.el and quire.age (quire.js). */
"use strict";

const releaseUi = (() => {
  const el = quire.el;

  /* "1 page", "2 pages". */
  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  /* "8 pages · 4 colour · 2 copies · 8 sheets · two-sided" */
  function facts(j) {
    if (!j.ready) return "Being prepared…";
    const parts = [plural(j.pages, "page", "pages")];
    if (j.color_pages) parts.push(j.color_pages + " colour");
    if (j.copies > 1) parts.push(j.copies + " copies");
    parts.push(plural(j.sheets, "sheet", "sheets"));
    if (j.duplex) parts.push("two-sided");
    if (j.mono && j.color_pages) parts.push("in black and white");
    return parts.join(" · ");
  }

  /* A new, empty card for job `j`: a <label> so that a tap anywhere selects it. */
  function card(j, thumbs) {
    const c = el("label", { class: "job", "data-id": String(j.id) },
      el("input", { type: "checkbox", class: "select" }));
    if (thumbs) c.append(el("span", { class: "thumb none", text: "No preview" }));
    c.append(el("span", { class: "info" },
      el("b", { class: "name" }), el("span", { class: "detail" }), el("span", { class: "cost" }),
      el("span", { class: "age muted" }), el("span", { class: "state" }),
      el("span", { class: "result" })));
    return c;
  }

  /* Puts the thumbnail in once the job has one (an <img> sends the session cookie). */
  function thumbnail(c, j) {
    const none = c.querySelector(".thumb.none");
    if (!none || !j.thumbnail) return;
    none.replaceWith(el("img", { class: "thumb", src: j.thumbnail, alt: "Page 1 of " + j.name }));
  }

  /* Fills card `c` from job `j`; `result` is {ok, message} of the last action on it. */
  function fill(c, j, currency, result) {
    const q = (s) => c.querySelector(s);
    const box = q("input.select");
    q(".name").textContent = j.name;
    box.setAttribute("aria-label", "Select " + j.name);
    q(".detail").textContent = facts(j);
    q(".cost").textContent = j.ready ? j.cost + " " + currency : "";
    q(".age").textContent = quire.age(j.age_seconds) + " ago";
    q(".state").textContent = j.state === "printing" ? "Printing…" : "";
    box.disabled = j.state !== "held";
    if (box.disabled) box.checked = false;
    c.classList.toggle("printing", j.state === "printing");
    const r = q(".result");
    r.textContent = result ? result.message : "";
    r.className = "result " + (result ? (result.ok ? "ok" : "error") : "");
    thumbnail(c, j);
  }

  /* Shows `jobs` in `box`, reusing the cards already there. opts: {thumbs, currency,
   * results: Map id -> {ok, message}}. */
  function update(box, jobs, opts) {
    const old = new Map([...box.querySelectorAll(".job")].map((c) => [c.dataset.id, c]));
    const cards = jobs.map((j) => {
      const c = old.get(String(j.id)) || card(j, opts.thumbs);
      fill(c, j, opts.currency, opts.results.get(j.id));
      return c;
    });
    const now = [...box.children];
    if (cards.length !== now.length || cards.some((c, i) => c !== now[i]))
      box.replaceChildren(...cards);   /* only when changed: focus and scrolling stay */
  }

  /* The ids of the selected cards in `box`. */
  function selected(box) {
    return [...box.querySelectorAll(".job")]
      .filter((c) => c.querySelector("input.select").checked)
      .map((c) => Number(c.dataset.id));
  }

  /* Lists the results of an action in <ul> `ul`: [{id, ok, message}], named by `names`. */
  function results(ul, list, names) {
    ul.replaceChildren(...list.map((r) => el("li", { class: r.ok ? "ok" : "error",
      text: (names.get(r.id) || "Job " + r.id) + ": " + r.message })));
    ul.hidden = !list.length;
  }

  return { update, selected, results };
})();
