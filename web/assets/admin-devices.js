/* admin-devices.js: the devices page: the list with capabilities and live state, adding a
 * device by URI (showing what it reported about itself), removing one (with a confirmation),
 * refreshing a device's state now, and printing a test page with its progress. */
"use strict";

(() => {
  const EVERY_MS = 4000;
  let testJob = 0;

  /* A row's action buttons. */
  function actions(d) {
    const refresh = quire.el("button", { type: "button", class: "secondary", "data-act": "refresh",
                                         text: "Refresh" });
    refresh.addEventListener("click", () => refreshOne(d.name, refresh));
    const test = quire.el("button", { type: "button", "data-act": "test-page", text: "Test page" });
    test.addEventListener("click", () => testPage(d.name, test));
    const remove = quire.el("button", { type: "button", class: "secondary", "data-act": "remove",
                                        text: "Remove" });
    remove.addEventListener("click", () => removeOne(d.name, remove));
    return quire.el("span", {}, refresh, test, remove);
  }

  function cells(d) {
    const c = d.capabilities || {};
    return [quire.el("b", { text: d.name }), quire.el("span", { class: "mono", text: d.uri }),
            d.location || "", d.make_model || "", quireDevices.formats(d),
            c.color ? "colour" : "grey", c.duplex ? "yes" : "no", quireDevices.stateCell(d),
            quireDevices.markers(d), actions(d)];
  }

  const ACTIONS = 9;  /* index of the actions cell, kept as it is when a row is updated */

  /* The row of device `name`, or null. */
  function rowOf(name) {
    return document.querySelector('#device-list tr[data-device="' + CSS.escape(name) + '"]');
  }

  /* Updates the row of `d` in place (its buttons stay the same elements), or makes it. */
  function showOne(d) {
    const tr = rowOf(d.name);
    if (!tr) return quireDevices.row(d, cells(d), 7);
    cells(d).forEach((c, i) => { if (i !== ACTIONS) tr.children[i].replaceChildren(c); });
    return tr;
  }

  async function load() {
    try {
      const list = await quire.api("GET", "/api/devices");
      const rows = list.map(showOne);
      quireDevices.fill(document.querySelector("#device-list tbody"), rows, "No devices yet.");
      quire.say("list-error", "");
    } catch (e) {
      if (e.status === 401) { location.assign("/login?next=/admin/devices"); return; }
      quire.say("list-error", "Cannot list the devices: " + e.message);
    }
  }

  async function refreshOne(name, button) {
    button.disabled = true;
    try {
      showOne(await quire.api("GET", "/api/devices/" + encodeURIComponent(name) + "?fresh=1"));
      quire.say("list-error", "");
    } catch (e) {
      quire.say("list-error", name + ": " + e.message);
    }
    button.disabled = false;
  }

  /* First click asks for a confirmation; a second click within 5 s removes. */
  async function removeOne(name, button) {
    if (!button.classList.contains("danger")) {
      button.classList.replace("secondary", "danger");
      button.textContent = "Really remove " + name + "?";
      setTimeout(() => {
        if (!button.isConnected) return;
        button.classList.replace("danger", "secondary");
        button.textContent = "Remove";
      }, 5000);
      return;
    }
    button.disabled = true;
    try {
      await quire.api("DELETE", "/api/devices/" + encodeURIComponent(name));
      button.closest("tr").remove();
      quire.say("list-error", "");
      await load();
    } catch (e) {
      quire.say("list-error", "Cannot remove " + name + ": " + e.message);
      button.disabled = false;
    }
  }

  /* The test page's progress, until its delivery ends. */
  async function followTest(job, device) {
    if (job !== testJob) return;
    const box = document.getElementById("test-progress");
    try {
      const dls = await quire.api("GET", "/api/jobs/" + job + "/deliveries");
      const dl = dls[dls.length - 1];
      const state = dl ? dl.state : "queued";
      box.replaceChildren("Test page on " + device + " (job " + job + "): ",
                          quire.el("b", { id: "test-state", "data-state": state, text: state }),
                          dl && dl.error ? " - " + dl.error : "");
      box.hidden = false;
      if (!["done", "failed", "canceled"].includes(state))
        setTimeout(() => followTest(job, device), 700);
    } catch (e) {
      box.textContent = "Test page on " + device + ": " + e.message;
    }
  }

  async function testPage(name, button) {
    const box = document.getElementById("test-progress");
    button.disabled = true;
    try {
      const path = "/api/devices/" + encodeURIComponent(name) + "/test-page";
      const r = await quire.api("POST", path, {});
      testJob = r.job;
      followTest(r.job, name);
    } catch (e) {
      box.replaceChildren(quire.el("span", { class: "error", id: "test-error",
                                             text: "No test page on " + name + ": " + e.message }));
      box.hidden = false;
    }
    button.disabled = false;
  }

  /* What an added device reported about itself. */
  function showDiscovered(d) {
    const c = d.capabilities || {};
    const facts = [["Name", d.name], ["Make and model", d.make_model || "not reported"],
                   ["Formats", quireDevices.formats(d)], ["Colour", c.color ? "yes" : "no"],
                   ["Duplex", c.duplex ? "yes" : "no"],
                   ["Media", (c.media_supported || []).length + " sizes, default " +
                             (c.media_default || "none")],
                   ["Raster", (c.pwg_raster_types || []).join(", ") || "none"],
                   ["Resolutions",
                    (c.pwg_resolutions || []).map((r) => r + " dpi").join(", ") || "none"],
                   ["State", quireDevices.stateName(d)]];
    const dl = document.getElementById("discovered");
    dl.replaceChildren(...facts.flatMap(([k, v]) => [
      quire.el("dt", { text: k }), quire.el("dd", { "data-fact": k.toLowerCase(), text: v })]));
    dl.hidden = false;
  }

  document.getElementById("add-device").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const body = quire.fields(form);
    const button = document.getElementById("dev-add");
    quire.say("add-error", "");
    quire.say("add-done", "");
    document.getElementById("discovered").hidden = true;
    if (!/^(socket|lpd):/.test(body.uri || "")) {  /* IPP devices say what they can do */
      delete body.color;
      delete body.duplex;
      delete body.formats;
    }
    button.disabled = true;
    button.textContent = "Asking the device...";
    try {
      const d = await quire.api("POST", "/api/devices", body);
      quire.say("add-done", "Added " + d.name + ". It reported:");
      showDiscovered(d);
      form.reset();
      await load();
    } catch (e) {
      quire.say("add-error", (e.status === 502 ? "The device did not answer: " : "") + e.message);
    }
    button.disabled = false;
    button.textContent = "Add device";
  });

  async function loop() {
    await load();
    setTimeout(loop, EVERY_MS);
  }

  quire.start().then((s) => { if (s) loop(); });
})();
