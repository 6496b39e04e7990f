/* terminal.js: the release terminal (/terminal?device=NAME[&timeout=S]) of a kiosk or an
 * MFD panel, bound to one printer. A PIN on the keypad, or a card (a reader types its number
 * and Enter into the card field), logs in through the release API; the user sees their jobs
 * with the cost at this printer and prints some or all. After `timeout` seconds without a
 * touch (default 60), or at "Log out", the session ends and nothing of that user stays: the
 * bearer token lives in a variable only, and the list is emptied. No console session is used
 * (requests omit cookies), so a kiosk browser logged in elsewhere changes nothing. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const device = params.get("device") || "";
  const timeout = Math.max(3, parseInt(params.get("timeout"), 10) || 60);
  const PIN_MAX = 12;
  let token = null;      /* the release session; never stored anywhere else */
  let gen = 0;           /* login generation: answers for an earlier login are dropped */
  let pin = "";
  let idleLeft = 0, idleTimer = null, refreshTimer = null;
  let currency = "";
  let shown = [];        /* the jobs listed now */
  const names = new Map(), results = new Map();

  /* One release API call with the token (if any); rejects with the API's message. */
  async function call(method, path, body, tok) {
    const bearer = tok === undefined ? token : tok;
    return quire.api(method, path, body, { cookies: false, bearer });
  }

  /* Shows one of the three screens (unknown printer, keypad, jobs). */
  function screen(id) {
    for (const s of ["unknown", "login-screen", "jobs-screen"]) $(s).hidden = s !== id;
    if (id === "login-screen") $("card").focus();
  }

  /* The printer this terminal releases to, and how it is. */
  async function loadDevice() {
    try {
      const d = await call("GET", "/api/release/devices/" + encodeURIComponent(device),
                           undefined, null);
      $("device-name").textContent = d.name + (d.location ? " – " + d.location : "");
      $("device-state").textContent = d.can_release ? "Ready" : d.why_not;
      $("device-state").className = d.can_release ? "ok" : "error";
      if ($("login-screen").hidden && $("jobs-screen").hidden) screen("login-screen");
      setTimeout(loadDevice, 15000);
    } catch (e) {
      $("unknown-text").textContent = e.status === 404 ? e.message +
        " Open this page as /terminal?device=NAME with a printer set up in quire." : e.message;
      if (e.status === 404) {
        logout();
        screen("unknown");
      } else {
        setTimeout(loadDevice, 15000);
      }
    }
  }

  /* The PIN typed so far, as dots. */
  function showPin() {
    $("pin-display").textContent = pin ? "•".repeat(pin.length) : "PIN";
    $("pin-display").classList.toggle("empty", !pin);
  }

  /* One keypad key: a digit, "clear" or "back". */
  function key(k) {
    if (k === "clear") pin = "";
    else if (k === "back") pin = pin.slice(0, -1);
    else if (pin.length < PIN_MAX) pin += k;
    showPin();
    quire.say("login-error", "");
  }

  /* Logs in with {pin} or {card}; a refusal shows the API's message. */
  async function login(cred) {
    quire.say("login-error", "");
    const mine = ++gen;
    try {
      const r = await call("POST", "/api/release/login",
                           Object.assign(cred, { terminal: device }), null);
      if (mine !== gen) return;
      token = r.token;
      currency = r.user.currency;
      $("user-name").textContent = r.user.full_name || r.user.name;
      $("balance").textContent = "Balance " + r.user.balance + " " + currency;
      clearEntry();
      screen("jobs-screen");
      idle();
      await loadJobs(mine);
    } catch (e) {
      clearEntry();
      quire.say("login-error", e.message);
    }
  }

  /* Forgets the PIN and the card number typed. */
  function clearEntry() {
    pin = "";
    showPin();
    $("card").value = "";
  }

  /* Enables "Print selected" and "Print all" when they have jobs to print. */
  function buttons() {
    $("print-selected").disabled = !releaseUi.selected($("jobs")).length;
    $("print-all").disabled = !shown.some((j) => j.state === "held");
  }

  /* The jobs of login `mine`, priced here; again every 3 s while some are moving. */
  async function loadJobs(mine) {
    clearTimeout(refreshTimer);
    try {
      const r = await call("GET", "/api/release/jobs?device=" + encodeURIComponent(device));
      if (mine !== gen || !token) return;
      shown = r.jobs;
      for (const j of shown) names.set(j.id, j.name);
      releaseUi.update($("jobs"), shown, { thumbs: false, currency, results });
      $("no-jobs").hidden = shown.length > 0;
      buttons();
      if (r.jobs.some((j) => !j.ready || j.state === "printing"))
        refreshTimer = setTimeout(() => loadJobs(mine), 3000);
    } catch (e) {
      if (mine !== gen) return;
      if (e.status === 401) logout();
      else quire.say("error", e.message);
    }
  }

  /* Releases the selected jobs, or all, to this printer, and shows each result. */
  async function print(all) {
    const mine = gen;
    const body = all ? { device, all: true } : { device, jobs: releaseUi.selected($("jobs")) };
    quire.say("error", "");
    $("print-all").disabled = $("print-selected").disabled = true;
    try {
      const r = await call("POST", "/api/release", body);
      if (mine !== gen) return;
      const list = r.results.map((x) => ({ id: x.id, ok: x.released, message: x.message }));
      for (const x of list) results.set(x.id, x);
      releaseUi.results($("results"), list, names);
      if (!list.length) quire.say("error", "There is nothing to print.");
    } catch (e) {
      if (mine === gen) quire.say("error", e.message);
    }
    if (mine === gen) await loadJobs(mine);
  }

  /* Restarts the idle countdown (any touch or key while logged in). */
  function idle() {
    idleLeft = timeout;
    tick();
  }

  /* One second of the countdown; logs out at zero. */
  function tick() {
    clearTimeout(idleTimer);
    if (!token) return;
    $("countdown").textContent = "Logging out in " + idleLeft + " s";
    if (idleLeft-- <= 0) logout();
    else idleTimer = setTimeout(tick, 1000);
  }

  /* Ends the session and forgets the user: token, list, results, names. */
  function logout() {
    const t = token;
    token = null;
    gen++;
    clearTimeout(idleTimer);
    clearTimeout(refreshTimer);
    $("jobs").replaceChildren();
    $("results").replaceChildren();
    $("results").hidden = true;
    $("user-name").textContent = $("balance").textContent = $("countdown").textContent = "";
    quire.say("error", "");
    $("no-jobs").hidden = true;
    shown = [];
    names.clear();
    results.clear();
    clearEntry();
    if (t) call("POST", "/api/release/logout", {}, t).catch(() => {});
    if ($("unknown").hidden) screen("login-screen");
  }

  /* Wires the keypad, the card field, the buttons and the idle watch. */
  function start() {
    showPin();
    for (const b of $("keypad").querySelectorAll("button")) {
      b.addEventListener("mousedown", (e) => e.preventDefault()); /* the card field keeps focus */
      b.addEventListener("click", () => key(b.dataset.key));
    }
    $("pin-ok").addEventListener("mousedown", (e) => e.preventDefault());
    $("pin-ok").addEventListener("click", () => {
      if (pin) login({ pin });
      else quire.say("login-error", "Type your PIN first.");
    });
    $("card-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const card = $("card").value.trim();
      if (card) login({ card });
    });
    $("jobs").addEventListener("change", buttons);
    $("print-all").addEventListener("click", () => print(true));
    $("print-selected").addEventListener("click", () => print(false));
    $("logout").addEventListener("click", logout);
    for (const ev of ["pointerdown", "keydown", "touchstart"])
      document.addEventListener(ev, () => { if (token) idle(); }, { passive: true });
    /* A card reader types wherever the focus is: send it to the card field. */
    document.addEventListener("keydown", (e) => {
      const card = $("card");
      if (!$("login-screen").hidden && document.activeElement !== card && e.key.length === 1)
        card.focus();
    });
    if (!device) {
      $("unknown-text").textContent =
        "No printer is named: open this page as /terminal?device=NAME.";
      screen("unknown");
      return;
    }
    $("device-name").textContent = device;
    loadDevice();
  }

  start();
})();
