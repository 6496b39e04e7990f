/* tls.js: the TLS certificate page: shows the certificate, uploads a new one, or makes a new
 * self-signed one. */
"use strict";

(() => {
  function show(c) {
    const set = (id, text) => { document.getElementById(id).textContent = text; };
    set("cert-subject", c.subject + (c.self_signed ? " (self-signed)" : ""));
    set("cert-issuer", c.issuer);
    set("cert-sans", c.sans.join(", "));
    set("cert-from", quire.date(c.not_before));
    set("cert-until", quire.date(c.not_after) + " (" + c.days_left + " days left)");
    set("cert-key", c.key_type + (c.chain_length > 1 ? ", chain of " + c.chain_length : ""));
    set("cert-fp", c.fingerprint_sha256);
    quire.say("tls-warning", c.warning);
  }

  async function load() {
    try {
      show(await quire.api("GET", "/api/tls/certificate"));
    } catch (e) {
      quire.say("upload-error", e.message);
    }
  }

  /* Runs a change and shows its outcome. */
  async function change(method, path, body, done) {
    quire.say("upload-error", "");
    quire.say("upload-done", "");
    try {
      show(await quire.api(method, path, body));
      quire.say("upload-done", done);
    } catch (e) {
      quire.say("upload-error", e.message);
    }
  }

  document.getElementById("upload").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const cert = document.getElementById("cert-file").files[0];
    const key = document.getElementById("key-file").files[0];
    if (!cert || !key) {
      quire.say("upload-error", "Choose both files.");
      return;
    }
    await change("PUT", "/api/tls/certificate",
                 { certificate: await cert.text(), key: await key.text() },
                 "The new certificate is in use.");
  });

  document.getElementById("renew").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await change("POST", "/api/tls/self-signed", undefined,
                 "A new self-signed certificate is in use.");
  });

  quire.start().then((s) => { if (s) load(); });
})();
