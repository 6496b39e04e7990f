/* admin-quotas.js: quotas (list, set, delete), balances (list, top up in the row or add/set
 * with the form) and accounts (list, add, delete). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  /* A button that runs `fn`, showing a failure in the element `err`. */
  function button(text, cls, attrs, err, fn) {
    const b = quire.el("button", Object.assign({ type: "button", class: cls, text }, attrs));
    b.addEventListener("click", async () => {
      quire.say(err, "");
      try { await fn(b); } catch (e) { quire.say(err, e.message); }
    });
    return b;
  }

  function drawQuotas(r) {
    quire.rows($("quotas-body"), r.quotas, (q) => [
      q.kind + " " + q.subject, q.period,
      q.amount + (q.unit === "cost" ? " " + r.currency : " pages"), q.used,
      button("Delete", "secondary delete-quota", { "data-subject": q.subject }, "quota-error",
             async () => drawQuotas(await quire.api("DELETE", "/api/quotas", {
               kind: q.kind, subject: q.subject, period: q.period, unit: q.unit })))],
    "No quotas.");
  }

  /* POST /api/balances/USER with `body`, then redraws. */
  async function changeBalance(user, body) {
    const b = await quire.api("POST", "/api/balances/" + encodeURIComponent(user), body);
    quire.say("balance-done", b.user + ": balance " + b.balance + ".");
    await loadBalances();
  }

  function drawBalances(r) {
    $("currency").textContent = r.currency;
    quire.rows($("balances-body"), r.balances, (b) => {
      const input = quire.el("input", { id: "topup-" + b.user, "data-user": b.user,
                                        inputmode: "decimal", placeholder: "5.00",
                                        "aria-label": "amount to add for " + b.user });
      const go = button("Add", "secondary topup", { id: "topup-go-" + b.user,
                                                    "data-user": b.user }, "balance-error",
                        () => changeBalance(b.user, { add: input.value.trim(),
                                                      note: "top-up" }));
      return [b.user, b.full_name, b.balance, b.credit, quire.el("span", {}, input, go)];
    }, "No users.");
    for (const tr of $("balances-body").querySelectorAll("tr")) {
      const i = tr.querySelector("input[data-user]");
      if (i) tr.setAttribute("data-user", i.getAttribute("data-user"));
    }
  }

  function drawAccounts(list) {
    quire.rows($("accounts-body"), list, (a) => [a.name, a.description,
      button("Delete", "secondary delete-account", { "data-account": a.name }, "account-error",
             async () => drawAccounts(await quire.api("DELETE", "/api/accounts/" +
                                                      encodeURIComponent(a.name))))],
    "No accounts.");
  }

  async function loadBalances() { drawBalances(await quire.api("GET", "/api/balances")); }

  async function load() {
    try {
      drawQuotas(await quire.api("GET", "/api/quotas"));
      await loadBalances();
      drawAccounts(await quire.api("GET", "/api/accounts"));
    } catch (e) {
      quire.say("quota-error", e.message);
    }
  }

  /* Runs a form's change, showing a failure in `err`. */
  function onSubmit(form, err, fn) {
    $(form).addEventListener("submit", async (ev) => {
      ev.preventDefault();
      quire.say(err, "");
      quire.say("balance-done", "");
      try { await fn(); } catch (e) { quire.say(err, e.message); }
    });
  }

  onSubmit("quota-form", "quota-error", async () => {
    const f = quire.fields($("quota-form"));
    const amount = f.unit === "pages" && /^\d+$/.test(f.amount) ? Number(f.amount) : f.amount;
    drawQuotas(await quire.api("PUT", "/api/quotas", {
      kind: f.kind, subject: f.subject.trim(), period: f.period, [f.unit]: amount }));
    $("q-subject").value = "";
    $("q-amount").value = "";
  });
  onSubmit("balance-form", "balance-error", async () => {
    const f = quire.fields($("balance-form"));
    const body = { [f.mode]: f.amount.trim(), note: f.note || "" };
    if (f.credit) body.credit = f.credit.trim();
    await changeBalance(f.user.trim(), body);
    $("b-amount").value = "";
  });
  onSubmit("account-form", "account-error", async () => {
    drawAccounts(await quire.api("POST", "/api/accounts", quire.fields($("account-form"))));
    $("account-form").reset();
  });
  quire.start().then((s) => { if (s) load(); });
})();
