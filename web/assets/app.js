/* app.js: My jobs (/), the user portal. The user's held jobs with their page-1 thumbnail and
 * the cost at the chosen printer (remembered in localStorage), released or deleted through
 * the release API with the console session; per-job results; refreshed every few seconds
 * while a job is being prepared or printed (every 30 s otherwise, and not at all once nobody
 * touched the page for half the session's idle timeout, at most 10 minutes, so that the
 * session still expires); the printed history and the balance. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = "quire.device";
  const BUSY_MS = 3000, IDLE_MS = 30000;
  let devices = new Map();
  let jobs = [];
  let currency = "";
  const names = new Map();          /* job id -> name, for results of jobs that left */
  const results = new Map();        /* job id -> {ok, message} of the last action */
  let timer = null;
  let historyRounds = 1;            /* refreshes that also reload the history */
  let lastInput = Date.now();       /* polling stops a while after the last touch or key, */
  let pollFor = 600000;             /* so that the session's idle timeout still ends it */

  /* Shows an API error; a lost session goes back to the login page. */
  function fail(e) {
    if (e && e.status === 401) location.assign("/login?next=/");
    quire.say("error", e ? e.message : "");
  }

  /* The text of a printer in the picker. */
  function deviceLabel(d) {
    return d.name + (d.location ? " – " + d.location : "") +
      (d.can_release ? "" : " (not ready)");
  }

  /* Shows whether jobs may be released at the chosen printer. */
  function showDevice() {
    const d = devices.get($("device").value);
    const state = $("device-state");
    state.textContent = !d ? "No printer is set up yet." : d.can_release
      ? (d.color ? "Colour" : "Black and white") + (d.duplex ? ", two-sided" : "") + ". Ready."
      : d.why_not;
    state.className = d && d.can_release ? "muted" : "error";
  }

  /* Fills the picker, keeping the choice (else the remembered one, else a ready one). */
  async function loadDevices() {
    const r = await quire.api("GET", "/api/release/devices");
    const sel = $("device");
    const want = sel.value || localStorage.getItem(KEY);
    devices = new Map(r.devices.map((d) => [d.name, d]));
    const labels = r.devices.map(deviceLabel);
    if (labels.join("\n") !== [...sel.options].map((o) => o.text).join("\n"))
      sel.replaceChildren(...r.devices.map((d, i) =>   /* only when changed: an open list stays */
        quire.el("option", { value: d.name, text: labels[i] })));
    const ready = r.devices.find((d) => d.can_release) || r.devices[0];
    if (want && devices.has(want)) sel.value = want;
    else if (ready) sel.value = ready.name;
    showDevice();
  }

  /* Enables the buttons that make sense now. */
  function buttons() {
    const any = releaseUi.selected($("jobs")).length > 0;
    $("release").disabled = !any || !$("device").value;
    $("delete").disabled = !any;
    $("release-all").disabled = !$("device").value || !jobs.some((j) => j.state === "held");
  }

  /* The held jobs, priced at the chosen printer, and the balance. */
  async function loadJobs() {
    const dev = $("device").value;
    const r = await quire.api("GET", "/api/release/jobs" +
                              (dev ? "?device=" + encodeURIComponent(dev) : ""));
    jobs = r.jobs;
    currency = r.user.currency;
    $("balance").textContent = r.user.balance + " " + currency;
    for (const j of jobs) names.set(j.id, j.name);
    releaseUi.update($("jobs"), jobs, { thumbs: true, currency, results });
    $("no-jobs").hidden = jobs.length > 0;
    buttons();
  }

  /* What the user printed (newest first) and the balance after it. */
  async function loadHistory() {
    const r = await quire.api("GET", "/api/release/history");
    $("balance").textContent = r.user.balance + " " + r.user.currency;
    quire.rows($("history").querySelector("tbody"), r.printed, (p) => [
      quire.date(p.printed), names.get(p.job) ? names.get(p.job) + " (" + p.job + ")"
        : "Job " + p.job, p.device, String(p.pages), String(p.color_pages), String(p.sheets),
      p.cost + " " + r.user.currency], "Nothing printed yet.");
    for (const td of $("history").querySelectorAll("tbody td:nth-child(n+4)"))
      td.classList.add("num");
  }

  /* Reloads devices, jobs and (while jobs move) the history; schedules the next round. */
  async function refresh() {
    clearTimeout(timer);
    try {
      await loadDevices();
      await loadJobs();
      const busy = jobs.some((j) => !j.ready || j.state === "printing");
      if (busy) historyRounds = 2;   /* and twice more once they are done */
      if (historyRounds > 0) {
        historyRounds -= busy ? 0 : 1;
        await loadHistory();
      }
      schedule(busy || historyRounds > 0 ? BUSY_MS : IDLE_MS);
    } catch (e) {
      fail(e);
      schedule(IDLE_MS);
    }
  }

  /* The next refresh, unless nobody touched the page for a while (then the next touch). */
  function schedule(ms) {
    clearTimeout(timer);
    timer = Date.now() - lastInput < pollFor ? setTimeout(refresh, ms) : null;
  }

  /* A touch or a key: polling goes on (and restarts if it had paused). */
  function touched() {
    const paused = timer === null;
    lastInput = Date.now();
    if (paused) refresh();
  }

  /* Records and lists the outcome of an action: [{id, ok, message}]. */
  function show(list) {
    for (const r of list) results.set(r.id, { ok: r.ok, message: r.message });
    releaseUi.results($("results"), list, names);
  }

  /* Releases the selected jobs, or all, to the chosen printer. */
  async function release(all) {
    const device = $("device").value;
    const ids = releaseUi.selected($("jobs"));
    const body = all ? { device, all: true } : { device, jobs: ids };
    quire.say("error", "");
    for (const b of document.querySelectorAll(".actions button")) b.disabled = true;
    try {
      const r = await quire.api("POST", "/api/release", body);
      show(r.results.map((x) => ({ id: x.id, ok: x.released, message: x.message })));
      if (!r.results.length) quire.say("error", "There is nothing to release.");
      historyRounds = 2;
    } catch (e) {
      fail(e);
    }
    await refresh();
  }

  /* Deletes the selected jobs, once the user confirmed. */
  async function remove() {
    const ids = releaseUi.selected($("jobs"));
    const ask = ids.length === 1 ? "Delete this job? It will not be printed."
      : "Delete these " + ids.length + " jobs? They will not be printed.";
    if (!ids.length || !confirm(ask)) return;
    const list = [];
    for (const id of ids) {
      try {
        await quire.api("DELETE", "/api/release/jobs/" + id);
        list.push({ id, ok: true, message: "Deleted." });
      } catch (e) {
        if (e.status === 401) return fail(e);
        list.push({ id, ok: false, message: e.message });
      }
    }
    show(list);
    await refresh();
  }

  quire.start().then((s) => {
    if (!s) return;
    $("who-name").textContent = s.full_name ? s.full_name + " (" + s.user + ")" : s.user;
    pollFor = Math.min(pollFor, (s.idle_timeout || 1800) * 500);
    for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, touched);
    $("device").addEventListener("change", () => {
      localStorage.setItem(KEY, $("device").value);
      refresh();
    });
    $("jobs").addEventListener("change", buttons);
    $("release").addEventListener("click", () => release(false));
    $("release-all").addEventListener("click", () => release(true));
    $("delete").addEventListener("click", remove);
    refresh();
  });
})();
