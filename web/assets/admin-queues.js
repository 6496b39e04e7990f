/* admin-queues.js: the Queues page: lists the queues with their held jobs and IPP address,
 * adds one, edits one (the form filled from its row) and removes one (after a confirmation;
 * a queue with held jobs needs a second confirmation that cancels them). */
"use strict";

(() => {
  const form = document.getElementById("queue-form");
  let editing = null;     /* name of the queue being edited, or null when adding */

  /* The short policy tags of a queue. */
  function policies(q) {
    const tags = [q.mode === "direct" ? "direct to " + q.device : "pull",
                  q.color === "monochrome" ? "mono only" : "colour",
                  "two-sided " + q.duplex];
    if (q.auth_basic) tags.push("password");
    if (q.force_mono) tags.push("released mono");
    if (q.force_duplex) tags.push("released two-sided");
    if (q.hide_job_names) tags.push("names hidden");
    tags.push("expires " + (q.job_expiry_seconds ? quire.age(q.job_expiry_seconds) : "never"));
    const span = quire.el("span");
    for (const t of tags) span.append(quire.el("span", { class: "policy", text: t }));
    return span;
  }

  function button(text, cls, fn) {
    const b = quire.el("button", { type: "button", class: cls, text });
    b.addEventListener("click", fn);
    return b;
  }

  function cells(q) {
    const desc = quire.el("span", { text: q.info });
    if (q.location)
      desc.append(quire.el("br"), quire.el("span", { class: "muted", text: q.location }));
    const actions = quire.el("span", {},
      button("Edit", "secondary edit", () => edit(q)),
      button("Remove", "secondary remove", () => remove(q)));
    return [quire.el("strong", { text: q.name }), desc, policies(q), String(q.held_jobs),
            quire.el("span", { class: "mono", text: q.uri }),
            q.source + (q.edited ? " (edited)" : ""), actions];
  }

  async function load() {
    try {
      const qs = await quire.api("GET", "/api/queues");
      quire.rows(document.querySelector("#queues tbody"), qs, cells, "No queues.");
      const trs = document.querySelectorAll("#queues tbody tr");
      qs.forEach((q, i) => { if (trs[i]) trs[i].dataset.queue = q.name; });
    } catch (e) {
      quire.say("queues-error", e.message);
    }
  }

  /* Fills the form from queue `q` and switches it to editing. */
  function edit(q) {
    editing = q.name;
    for (const e of form.elements) {
      if (!e.name) continue;
      if (e.type === "checkbox") e.checked = !!q[e.name];
      else if (e.name === "job_expiry_hours")
        e.value = q.job_expiry_default ? "" : String(Math.round(q.job_expiry_seconds / 3600));
      else if (q[e.name] !== undefined) e.value = String(q[e.name]);
    }
    form.elements.name.readOnly = true;
    document.getElementById("form-title").textContent = "Edit queue " + q.name;
    document.getElementById("q-submit").textContent = "Save changes";
    document.getElementById("q-cancel").hidden = false;
    form.scrollIntoView();
  }

  function reset() {
    editing = null;
    form.reset();
    form.elements.name.readOnly = false;
    document.getElementById("form-title").textContent = "Add a queue";
    document.getElementById("q-submit").textContent = "Add queue";
    document.getElementById("q-cancel").hidden = true;
  }

  async function remove(q) {
    quire.say("queues-error", "");
    quire.say("queues-done", "");
    if (!confirm("Remove queue " + q.name + "? Phones will no longer see it.")) return;
    let path = "/api/queues/" + encodeURIComponent(q.name);
    try {
      await quire.api("DELETE", path);
    } catch (e) {
      if (e.status !== 409 || !confirm(e.message + "\n\nCancel those jobs and remove it?")) {
        quire.say("queues-error", e.message);
        return;
      }
      try { await quire.api("DELETE", path + "?force=1"); } catch (e2) {
        quire.say("queues-error", e2.message);
        return;
      }
    }
    quire.say("queues-done", "Queue " + q.name + " removed.");
    if (editing === q.name) reset();
    load();
  }

  /* The form as the API's body: numbers as numbers, an empty expiry as the default. */
  function body() {
    const o = quire.fields(form);
    for (const k of ["job_expiry_hours", "max_held_per_user"])
      if (o[k] !== undefined) o[k] = Number(o[k]);
    if (o.job_expiry_hours === undefined) o.job_expiry_default = true;
    if (o.mode !== "direct") delete o.device;
    if (editing) delete o.name;
    for (const k of ["info", "location", "dnssd_name"])
      if (editing && o[k] === undefined) o[k] = "";
    return o;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    quire.say("form-error", "");
    quire.say("queues-done", "");
    try {
      const q = editing
        ? await quire.api("PUT", "/api/queues/" + encodeURIComponent(editing), body())
        : await quire.api("POST", "/api/queues", body());
      quire.say("queues-done", "Queue " + q.name + (editing ? " saved." : " added: " + q.uri));
      reset();
      load();
    } catch (e) {
      quire.say("form-error", e.message);
    }
  });
  document.getElementById("q-cancel").addEventListener("click", reset);

  quire.start().then((s) => { if (s) load(); });
})();
