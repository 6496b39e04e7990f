/* app.js: the console shell (/): who is logged in. */
"use strict";

quire.start().then((s) => {
  const who = document.getElementById("who-name");
  if (s && who) who.textContent = s.full_name ? s.full_name + " (" + s.user + ")" : s.user;
});
