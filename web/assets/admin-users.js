/* admin-users.js: the users page: list with search, add and edit, PIN reset (the new PIN is
 * shown once), unlock, delete (a second click confirms), CSV import with its per-line report,
 * and the groups. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  let users = [];
  let editing = null;   /* name of the user being edited, null when adding */

  function showError(e) { quire.say("users-error", e ? e.message || String(e) : ""); }

  /* A button of a user's row. */
  function action(cls, text, user, fn, extra) {
    const b = quire.el("button", { type: "button", class: cls + (extra ? " " + extra : ""),
                                   "data-user": user.name, text });
    b.addEventListener("click", () => fn(user, b));
    return b;
  }

  function state(u) {
    if (u.locked) return quire.el("span", { class: "locked", text: "locked" });
    return u.failures ? u.failures + " failed" : "ok";
  }

  function credentials(u) {
    const c = [];
    if (u.has_password) c.push("password");
    if (u.pins) c.push("PIN");
    if (u.cards) c.push(u.cards + " card" + (u.cards > 1 ? "s" : ""));
    return c.join(", ") || "none";
  }

  function matches(u, q) {
    if (!q) return true;
    return [u.name, u.full_name, u.email, u.groups.join(" ")].join(" ").toLowerCase()
      .includes(q.toLowerCase());
  }

  function draw() {
    const q = $("user-filter").value.trim();
    quire.rows($("users-body"), users.filter((u) => matches(u, q)), (u) => {
      const acts = quire.el("span", {},
        action("secondary edit", "Edit", u, edit),
        action("secondary pin", "Reset PIN", u, resetPin));
      if (u.locked) acts.append(action("unlock", "Unlock", u, unlock));
      acts.append(action("secondary delete", "Delete", u, remove));
      return [u.name, u.full_name, u.groups.join(", "), u.admin ? "admin" : "user",
              credentials(u), u.balance, state(u), acts];
    }, q ? "No user matches." : "No users yet.");
    for (const tr of $("users-body").querySelectorAll("tr")) {
      const b = tr.querySelector("button[data-user]");
      if (b) tr.setAttribute("data-user", b.getAttribute("data-user"));
      const last = tr.lastElementChild;
      if (last) last.classList.add("actions");
    }
  }

  async function load() {
    try {
      users = await quire.api("GET", "/api/users");
      draw();
      const groups = await quire.api("GET", "/api/groups");
      quire.rows($("groups-body"), groups, (g) => [g.name, g.members.join(", ")],
                 "No groups: give users groups to see them here.");
    } catch (e) {
      showError(e);
    }
  }

  function resetForm() {
    editing = null;
    $("user-form").reset();
    $("u-name").readOnly = false;
    $("u-save").textContent = "Add user";
    $("user-form-title").textContent = "Add a user";
    $("u-cancel").hidden = true;
  }

  function edit(u) {
    editing = u.name;
    $("u-name").value = u.name;
    $("u-name").readOnly = true;
    $("u-full").value = u.full_name;
    $("u-email").value = u.email;
    $("u-groups").value = u.groups.join(", ");
    $("u-password").value = "";
    $("u-admin").checked = u.admin;
    $("u-restricted").checked = u.restricted;
    $("u-save").textContent = "Save changes";
    $("user-form-title").textContent = "Edit " + u.name;
    $("u-cancel").hidden = false;
    quire.say("user-error", "");
    quire.say("user-done", "");
    $("u-full").focus();
  }

  async function save(ev) {
    ev.preventDefault();
    quire.say("user-error", "");
    quire.say("user-done", "");
    const body = {
      full_name: $("u-full").value, email: $("u-email").value, groups: $("u-groups").value,
      admin: $("u-admin").checked, restricted: $("u-restricted").checked,
    };
    if ($("u-password").value) body.password = $("u-password").value;
    try {
      if (editing) {
        await quire.api("PUT", "/api/users/" + encodeURIComponent(editing), body);
        quire.say("user-done", "Saved " + editing + ".");
      } else {
        body.name = $("u-name").value.trim();
        await quire.api("POST", "/api/users", body);
        quire.say("user-done", "Added " + body.name + ".");
      }
      resetForm();
      await load();
    } catch (e) {
      quire.say("user-error", e.message);
    }
  }

  async function resetPin(u) {
    showError(null);
    try {
      const r = await quire.api("POST", "/api/users/" + encodeURIComponent(u.name) + "/pin", {});
      $("pin-user").textContent = u.name;
      $("new-pin").textContent = r.pin;
      $("pin-shown").hidden = false;
      await load();
    } catch (e) {
      showError(e);
    }
  }

  async function unlock(u) {
    showError(null);
    try {
      await quire.api("POST", "/api/users/" + encodeURIComponent(u.name) + "/unlock", {});
      await load();
    } catch (e) {
      showError(e);
    }
  }

  /* First click asks, second click deletes. */
  async function remove(u, b) {
    if (!b.classList.contains("danger")) {
      b.classList.remove("secondary");
      b.classList.add("danger", "confirm");
      b.textContent = "Really delete " + u.name + "?";
      return;
    }
    showError(null);
    try {
      await quire.api("DELETE", "/api/users/" + encodeURIComponent(u.name));
      if (editing === u.name) resetForm();
      await load();
    } catch (e) {
      showError(e);
    }
  }

  async function importCsv(ev) {
    ev.preventDefault();
    const f = $("import-file").files[0];
    quire.say("import-summary", "");
    $("import-errors").hidden = true;
    if (!f) return;
    let r;
    try {
      r = await quire.api("POST", "/api/users/import", { csv: await f.text() });
    } catch (e) {
      quire.say("import-summary", e.message);
      $("import-summary").className = "error";
      return;
    }
    $("import-summary").className = r.failed ? "error" : "ok";
    quire.say("import-summary", r.imported + " user(s) imported, " + r.failed +
              " line(s) refused.");
    quire.rows($("import-errors-body"), r.errors, (e) => [String(e.line), e.message]);
    $("import-errors").hidden = !r.errors.length;
    await load();
  }

  $("user-form").addEventListener("submit", save);
  $("u-cancel").addEventListener("click", resetForm);
  $("user-filter").addEventListener("input", draw);
  $("user-search").addEventListener("submit", (ev) => ev.preventDefault());
  $("pin-hide").addEventListener("click", () => {
    $("new-pin").textContent = "";
    $("pin-shown").hidden = true;
  });
  $("import").addEventListener("submit", importCsv);
  quire.start().then((s) => { if (s) load(); });
})();
