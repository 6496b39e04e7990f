/* admin.js: the admin dashboard: alerts, today's figures, spool use, queues and the devices'
 * live status, refreshed every few seconds from /api/status, /api/devices and /api/queues. */
"use strict";

(() => {
  const EVERY_MS = 3000;

  /* Bytes as "12.3 MB". */
  function bytes(n) {
    if (n < 0) return "unknown";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i ? n.toFixed(1) : String(n)) + " " + units[i];
  }

  function set(id, text) { document.getElementById(id).textContent = text; }

  function showAlerts(alerts) {
    const ul = document.getElementById("alerts");
    const items = alerts.map((a) => quire.el("li", {
      class: "alert-" + (a.level === "error" ? "error" : "warning"),
      "data-source": a.source || "", "data-device": a.device || "", text: a.message }));
    if (!items.length) items.push(quire.el("li", { class: "alert-none", text: "No alerts." }));
    ul.replaceChildren(...items);
  }

  function showStatus(s) {
    const t = s.today || {};
    set("held-now", String(s.jobs.held));
    set("held-today", t.received + " received today, " + t.held + " of them still held");
    set("printed-today", String(t.printed_jobs));
    set("pages-today", String(t.pages));
    set("pages-split",
        t.color_pages + " colour, " + t.mono_pages + " grey, " + t.sheets + " sheets");
    set("devices-ready", s.devices.ready + " / " + s.devices.total);
    set("devices-total", s.devices.total === 1 ? "device" : "devices");
    set("spool-used", bytes(s.spool_bytes));
    set("spool-free", bytes(s.spool_free_bytes) + " free on the data disk");
    showAlerts(s.alerts || []);
  }

  function showDevices(list) {
    const rows = list.map((d) => quireDevices.row(d, [
      quire.el("a", { href: "/admin/devices", text: d.name }), quireDevices.stateCell(d),
      quireDevices.markers(d), d.status.reachable ? "yes" : "no", quireDevices.canPrint(d)], 1));
    quireDevices.fill(document.querySelector("#devices tbody"), rows,
                      "No devices yet: add one on the Devices page.");
  }

  function showQueues(list) {
    quire.rows(document.querySelector("#queues tbody"), list,
               (q) => [q.name, q.info || "", String(q.held_jobs)], "No queues.");
    for (const td of document.querySelectorAll("#queues tbody td:nth-child(3)"))
      td.className = "num";
  }

  /* One refresh of everything; reschedules itself unless the session is gone. */
  async function refresh() {
    try {
      const [s, devs, queues] = await Promise.all([
        quire.api("GET", "/api/status"), quire.api("GET", "/api/devices"),
        quire.api("GET", "/api/queues")]);
      showStatus(s);
      showDevices(devs);
      showQueues(queues);
      quire.say("dash-error", "");
      set("updated", "Last update " + new Date().toLocaleTimeString() + ".");
    } catch (e) {
      if (e.status === 401) { location.assign("/login?next=/admin"); return; }
      quire.say("dash-error", "Cannot refresh: " + e.message);
    }
    setTimeout(refresh, EVERY_MS);
  }

  quire.start().then((s) => { if (s) refresh(); });
})();
