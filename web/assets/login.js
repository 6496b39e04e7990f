/* login.js: the login form. Posts JSON to /api/login and goes on to the page asked for; the
 * same form also works without JavaScript (a form post answered by a redirect). */
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const messages = {
    wrong: "Wrong user name or password.",
    limited: "Too many failed logins from this address. Try again later.",
    locked: "This account is locked after too many wrong attempts. Ask an administrator.",
    pin: "Wrong PIN or card.",
  };
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  const form = document.getElementById("login");
  const error = document.getElementById("error");

  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }

  const $ = (id) => document.getElementById(id);
  let byPin = false;

  /* Switches between user name + password and PIN or card (the user name is then optional:
   * a PIN alone, or a card, names its user). Disabled fields are not sent with the form. */
  function setMode(pin) {
    byPin = pin;
    $("by-password").hidden = pin;
    $("by-pin").hidden = !pin;
    $("password").disabled = pin;
    $("pin").disabled = $("card").disabled = !pin;
    $("user").required = $("password").required = !pin;
    $("mode").textContent = pin ? "Use a password instead" : "Use a PIN or card instead";
    (pin ? $("pin") : $("user")).focus();
  }
  $("mode").addEventListener("click", () => setMode(!byPin));

  /* The JSON body of the login. */
  function credentials() {
    if (!byPin) return { user: form.user.value, password: form.password.value };
    if (form.card.value.trim()) return { card: form.card.value.trim() };
    const c = { pin: form.pin.value };
    if (form.user.value.trim()) c.user = form.user.value.trim();
    return c;
  }

  document.getElementById("next").value = target;
  if (messages[params.get("error")]) fail(messages[params.get("error")]);

  /* Over plain HTTP, offer the same page over TLS. */
  if (location.protocol === "http:") {
    fetch("/api/session", { credentials: "same-origin" })
      .then((r) => r.json())
      .then((s) => {
        if (!s || !s.tls_port) return;
        const link = document.getElementById("secure-link");
        link.href = "https://" + location.hostname + ":" + s.tls_port + "/login" + location.search;
        document.getElementById("insecure").hidden = false;
      })
      .catch(() => {});
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const button = document.getElementById("submit");
    button.disabled = true;
    try {
      const r = await fetch("/api/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(credentials()),
      });
      const data = await r.json().catch(() => ({}));
      if (r.ok) {
        location.assign(target);
        return;
      }
      fail(r.status === 401 ? (byPin ? messages.pin : messages.wrong) : data.error || "Login failed.");
      const secret = byPin ? form.pin : form.password;
      form.pin.value = form.card.value = form.password.value = "";
      secret.focus();
    } catch (e) {
      fail("The appliance cannot be reached.");
    } finally {
      button.disabled = false;
    }
  });
})();
