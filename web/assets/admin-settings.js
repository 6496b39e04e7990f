/* admin-settings.js: the Settings page: one field per setting the console may change, with
 * where its value comes from (file, console or default); saves only the changed ones. */
"use strict";

(() => {
  const box = document.getElementById("settings-fields");
  let current = [];

  const SOURCES = { console: "set here", file: "from the configuration file", default: "default" };

  /* The input of one setting. */
  function input(s) {
    const id = "set-" + s.key;
    if (s.type === "boolean") {
      const sel = quire.el("select", { id, name: s.key },
        quire.el("option", { value: "true", text: "yes" }),
        quire.el("option", { value: "false", text: "no" }));
      sel.value = String(s.value);
      return sel;
    }
    const attrs = { id, name: s.key, value: String(s.value) };
    if (s.type === "integer")
      Object.assign(attrs, { type: "number", min: String(s.min), max: String(s.max) });
    return quire.el("input", attrs);
  }

  function field(s) {
    const label = quire.el("label", { for: "set-" + s.key, text: s.help + " " },
      quire.el("span", { class: "source", id: "src-" + s.key,
                         text: "(" + SOURCES[s.source] + "; " + s.file_key + ")" }));
    const parts = quire.el("div", { class: "setting" }, label, input(s));
    if (s.source === "console") {
      const reset = quire.el("button", { type: "button", class: "secondary",
                                         text: "Use the file's value" });
      reset.addEventListener("click", () => save({ [s.key]: null }));
      parts.append(reset);
    }
    return parts;
  }

  function show(answer) {
    current = answer.settings;
    box.replaceChildren(...current.map(field));
  }

  /* The value of a setting's field in the API's type. */
  function value(s) {
    const v = document.getElementById("set-" + s.key).value;
    if (s.type === "boolean") return v === "true";
    if (s.type === "integer") return v === "" ? NaN : Number(v);
    return v;
  }

  async function save(changes) {
    quire.say("settings-error", "");
    quire.say("settings-done", "");
    if (!Object.keys(changes).length) {
      quire.say("settings-done", "Nothing changed.");
      return;
    }
    try {
      show(await quire.api("PUT", "/api/settings", changes));
      quire.say("settings-done", "Saved: " + Object.keys(changes).join(", ") + ".");
    } catch (e) {
      quire.say("settings-error", e.message);
    }
  }

  document.getElementById("settings").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const changes = {};
    for (const s of current) {
      const v = value(s);
      if (v !== s.value) changes[s.key] = v;
    }
    save(changes);
  });

  quire.start().then(async (s) => {
    if (!s) return;
    try {
      show(await quire.api("GET", "/api/settings"));
    } catch (e) {
      quire.say("settings-error", e.message);
    }
  });
})();
