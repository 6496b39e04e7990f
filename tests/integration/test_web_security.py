#!/usr/bin/env python3
"""Web console security against the real quired, over loopback (plain port and TLS port):
admin APIs refuse anonymous requests and user sessions; state changes need the session's
CSRF token; cross-site requests (foreign Origin or Referer) are refused; the session cookie's
flags (HttpOnly, SameSite=Strict, Path=/, Secure over TLS); sessions expire (idle and
absolute, configured in seconds here), end at logout and when their user is deleted, and are
capped; no session fixation; failed logins say only "wrong user name or password", take as
long for unknown users as for wrong passwords, and are limited per client address; security
headers on pages and API answers; page gating; the admin bearer token (the CLI) still works;
the embedded UI is served byte for byte (gzip and ETag too), has no external URL, and weighs
under 200 KB.

Run: python3 tests/integration/test_web_security.py --bin build
"""
import gzip
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import check, check_eq, run_tests, test  # noqa: E402
from webtest import WebClient, add_user  # noqa: E402

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web", "assets")
UI_LIMIT = 200 * 1024

DOCS_API = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "api.md")
# Sections of docs/api.md whose calls are for every logged-in user (or anyone), not admins.
USER_SECTIONS = ("Web console sessions", "CSRF", "Headers of every answer", "Pages",
                 "Release API")

ADMIN_GETS = ["/api/status", "/api/queues", "/api/jobs", "/api/dnssd", "/api/tls/certificate",
              "/api/settings"]
ADMIN_CHANGES = [("POST", "/api/tls/self-signed"), ("POST", "/api/queues"),
                 ("PUT", "/api/queues/default"), ("DELETE", "/api/queues/default"),
                 ("PUT", "/api/settings")]
WRONG = "wrong user name or password"


def documented_admin_calls():
    """Every (method, path) of docs/api.md's tables outside USER_SECTIONS, with the path's
    placeholders (NAME, ID, ...) replaced by "1" and its query left out."""
    calls, section = [], ""
    with open(DOCS_API, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                section = line.lstrip("#").strip()
                continue
            m = re.match(r"\|\s*`([A-Z][A-Z/|]*) (/api/[^`?\[ ]*)", line)
            if not m or any(section.startswith(u) for u in USER_SECTIONS):
                continue
            path = "/".join("1" if re.fullmatch(r"[A-Z_]+", seg) else seg
                            for seg in m.group(2).split("/"))
            for method in re.split(r"[/|]", m.group(1)):
                if (method, path) not in calls:
                    calls.append((method, path))
    return calls


def daemon_with_users(ctx, config=""):
    d = ctx.daemon(config=config)
    add_user(d, "alice", "alice-pw", full_name="Alice Example")
    add_user(d, "root", "root-pw", admin=True)
    return d


def three_clients(d):
    """An anonymous client, alice's session and root's (admin) session."""
    anon, user, admin = WebClient(d), WebClient(d), WebClient(d)
    user.login_ok("alice", "alice-pw")
    admin.login_ok("root", "root-pw")
    return anon, user, admin


@test
def every_documented_admin_call_refuses_users_and_anonymous(ctx):
    """Every admin call of docs/api.md: nobody gets 401, a user's session 403 (with its CSRF
    token, so the role is what refuses), and a forged cross-site change 403 before it acts,
    even with an admin's cookie. A new admin call is covered as soon as it is documented."""
    d = daemon_with_users(ctx)
    anon, user, admin = three_clients(d)
    calls = documented_admin_calls()
    check(len(calls) >= 15, "docs/api.md lists the admin calls: %r", calls)
    for method, path in calls:
        body = {} if method in ("POST", "PUT", "PATCH") else None
        r = anon.request(method, path, json_body=body)
        check_eq(r.status, 401, "anonymous %s %s: %r" % (method, path, r))
        r = user.request(method, path, json_body=body)
        check_eq(r.status, 403, "user session %s %s: %r" % (method, path, r))
        if method != "GET":
            r = admin.request(method, path, json_body=body, origin="https://evil.example")
            check_eq((r.status, r.error), (403, "cross-site request refused"),
                     "forged cross-site %s %s with the admin's cookie" % (method, path))
    ctx.log("%d documented admin calls checked" % len(calls))


@test
def admin_apis_refuse_anonymous_and_users(ctx):
    d = daemon_with_users(ctx)
    anon, user, admin = three_clients(d)
    for path in ADMIN_GETS:
        check_eq(anon.get(path).status, 401, "anonymous GET " + path)
        r = user.get(path)
        check_eq(r.status, 403, "user session GET " + path)
        check_eq(r.error, "administrators only", "user session GET %s: message" % path)
        check_eq(admin.get(path).status, 200, "admin session GET " + path)
        st, _ = d.api(path)
        check_eq(st, 200, "admin token GET " + path)
        st, _ = d.api(path, token="not-the-token")
        check_eq(st, 401, "wrong admin token GET " + path)
    for method, path in ADMIN_CHANGES:
        check_eq(anon.request(method, path, json_body={}).status, 401, "anonymous " + path)
        check_eq(user.request(method, path, json_body={}).status, 403, "user " + path)
    r = anon.request("PUT", "/api/tls/certificate", json_body={"certificate": "x", "key": "y"})
    check_eq(r.status, 401, "anonymous certificate upload")
    r = user.request("PUT", "/api/tls/certificate", json_body={"certificate": "x", "key": "y"})
    check_eq(r.status, 403, "user certificate upload")


@test
def state_changes_need_the_csrf_token(ctx):
    d = daemon_with_users(ctx)
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    for csrf, what in ((False, "without a CSRF token"), ("A" * 43, "with a wrong CSRF token"),
                       ("short", "with a short CSRF token")):
        r = c.request("POST", "/api/tls/self-signed", json_body={}, csrf=csrf)
        check_eq(r.status, 403, "POST /api/tls/self-signed " + what)
        check("CSRF" in (r.error or ""), "%s: the refusal names CSRF: %r", what, r)
        r = c.request("POST", "/api/logout", json_body={}, csrf=csrf)
        check_eq(r.status, 403, "logout " + what)
    check_eq(c.get("/api/session").status, 200, "the session survived the refused logout")
    # The token of another session does not do either.
    other = WebClient(d)
    other.login_ok("root", "root-pw")
    check_eq(c.request("POST", "/api/logout", json_body={}, csrf=other.csrf).status, 403,
             "logout with another session's token")
    # The right token, as a header or as a form field.
    check_eq(c.request("POST", "/api/tls/self-signed", json_body={}).status, 200,
             "POST /api/tls/self-signed with the token")
    r = c.request("POST", "/api/logout", form={"csrf": c.csrf}, csrf=False)
    check_eq(r.status, 200, "logout with the token as a form field")
    check_eq(c.get("/api/session").status, 401, "session after logout")
    # The bearer token is not a cookie: no CSRF token needed.
    st, _ = d.api("/api/tls/self-signed", method="POST")
    check_eq(st, 200, "POST /api/tls/self-signed with the admin token")


@test
def cross_site_requests_are_refused(ctx):
    d = daemon_with_users(ctx)
    c = WebClient(d)
    r = c.login("alice", "alice-pw", origin="http://evil.example")
    check_eq(r.status, 403, "login posted from another site")
    check(c.cookie is None, "no session from a cross-site login")
    r = c.request("POST", "/api/login", form={"user": "alice", "password": "alice-pw"},
                  origin="null")
    check_eq(r.status, 403, "login with Origin: null")
    c.login_ok("root", "root-pw")
    for origin in ("http://evil.example", "http://127.0.0.1:%d" % (d.port + 1),
                   "https://127.0.0.1:%d" % d.port, "http://127.0.0.1:%d.evil" % d.port):
        r = c.request("POST", "/api/tls/self-signed", json_body={}, origin=origin)
        check_eq(r.status, 403, "POST with the CSRF token but Origin " + origin)
        check_eq(r.error, "cross-site request refused", "message for Origin " + origin)
    r = c.request("POST", "/api/logout", json_body={},
                  headers={"Referer": "http://evil.example/page"})
    check_eq(r.status, 403, "POST with a foreign Referer and no Origin")
    check_eq(c.get("/api/session").status, 200, "still logged in after the forged requests")
    check("cross-site POST" in d.log_text(), "refusals are logged")
    r = c.request("POST", "/api/logout", json_body={}, origin=True,
                  headers={"Referer": c.origin + "/admin/tls"})
    check_eq(r.status, 200, "same-site logout (Origin and Referer of this site)")


@test
def session_cookie_flags(ctx):
    d = daemon_with_users(ctx)
    ids = set()
    for tls in (False, True):
        c = WebClient(d, tls=tls)
        r = c.login("alice", "alice-pw")
        check_eq(r.status, 200, "login (tls=%s)" % tls)
        cookies = r.headers_all("Set-Cookie")
        check_eq(len(cookies), 1, "one Set-Cookie")
        parts = [p.strip() for p in cookies[0].split(";")]
        name, _, value = parts[0].partition("=")
        check_eq(name, "quire_session", "cookie name")
        check(re.fullmatch(r"[A-Za-z0-9_-]{43}", value), "256-bit base64url id: %r", value)
        flags = {p.split("=")[0].lower(): p for p in parts[1:]}
        check("httponly" in flags, "HttpOnly: %r", cookies[0])
        check_eq(flags.get("samesite"), "SameSite=Strict", "SameSite")
        check_eq(flags.get("path"), "Path=/", "Path")
        check_eq("secure" in flags, tls, "Secure flag over %s" % ("TLS" if tls else "plain HTTP"))
        check("expires" not in flags and "max-age" not in flags, "a browser-session cookie")
        check(value != r.json["csrf_token"] and len(r.json["csrf_token"]) == 43,
              "a separate 256-bit CSRF token")
        check_eq(r.json["tls"], tls, "the session says whether it came over TLS")
        ids.add(value)
        lo = c.logout()
        cleared = lo.headers_all("Set-Cookie")
        check(cleared and "Max-Age=0" in cleared[0] and cleared[0].startswith("quire_session=;"),
              "logout clears the cookie: %r", cleared)
        check_eq("Secure" in cleared[0], tls, "the clearing cookie's Secure flag")
    check_eq(len(ids), 2, "every login gets a new id")


@test
def sessions_expire(ctx):
    d = daemon_with_users(ctx, "[server]\nsession-idle-timeout = 2\nsession-lifetime = 5\n")
    idle = WebClient(d)
    idle.login_ok("alice", "alice-pw")
    time.sleep(1.0)
    check_eq(idle.get("/api/session").status, 200, "session used within the idle timeout")
    time.sleep(3.2)
    r = idle.get("/api/session")
    check_eq(r.status, 401, "session idle for 3 s with session-idle-timeout = 2")
    check_eq(idle.get("/").status, 303, "the shell page sends an expired session to login")
    busy = WebClient(d)
    t0 = time.monotonic()
    busy.login_ok("alice", "alice-pw")
    seen_401_at = None
    for _ in range(30):           # one request a second, never idle: the lifetime ends it
        time.sleep(0.5)
        st = busy.get("/api/session").status
        if st == 401:
            seen_401_at = time.monotonic() - t0
            break
        check_eq(st, 200, "an active session before its lifetime")
    check(seen_401_at is not None and 4.5 <= seen_401_at <= 7.5,
          "an active session ends after session-lifetime = 5 (ended after %s s)", seen_401_at)


@test
def logout_and_deleted_users_end_sessions(ctx):
    d = daemon_with_users(ctx)
    c = WebClient(d)
    c.login_ok("alice", "alice-pw")
    cookie = c.cookie
    check_eq(c.logout().status, 200, "logout")
    c.cookie = cookie             # a stolen copy of the cookie is dead too
    check_eq(c.get("/api/session").status, 401, "the old cookie after logout")
    check_eq(c.request("POST", "/api/logout", json_body={}).status, 401, "second logout")
    # A deleted user's session ends at its next request.
    add_user(d, "bob", "bob-pw")
    b = WebClient(d)
    b.login_ok("bob", "bob-pw")
    r = d.cli("user-del", "bob")
    check(r.returncode == 0, "quire user-del: %s", r.stderr)
    check_eq(b.get("/api/session").status, 401, "session of a deleted user")
    check_eq(b.login("bob", "bob-pw").status, 401, "a deleted user cannot log in")


@test
def no_session_fixation_and_a_session_cap(ctx):
    d = daemon_with_users(ctx, "[server]\nmax-sessions = 3\n")
    c = WebClient(d)
    c.login_ok("alice", "alice-pw")
    first = c.cookie
    c.login_ok("alice", "alice-pw")        # logging in again, with the old cookie sent
    check(c.cookie != first, "a new id at each login")
    old = WebClient(d)
    old.cookie = first
    check_eq(old.get("/api/session").status, 401, "the previous session ends at the new login")
    planted = WebClient(d)
    planted.cookie = "A" * 43               # an id chosen by an attacker is never adopted
    planted.login_ok("alice", "alice-pw")
    check(planted.cookie != "A" * 43, "a planted id is replaced")
    clients = [WebClient(d) for _ in range(4)]
    for cl in clients:
        cl.login_ok("alice", "alice-pw")
        time.sleep(0.05)
    check_eq(clients[0].get("/api/session").status, 401, "the oldest of 4 sessions (cap 3)")
    for cl in clients[1:]:
        check_eq(cl.get("/api/session").status, 200, "the 3 newest sessions")


@test
def failed_logins_are_generic_and_slow_alike(ctx):
    d = daemon_with_users(ctx, "[server]\nlogin-rate-limit = 0\n\n[security]\n"
                               "lockout-attempts = 0\n")
    c = WebClient(d)
    for user, pw in (("alice", "wrong"), ("nobody", "alice-pw"), ("alice", "")):
        r = c.login(user, pw)
        check_eq((r.status, r.error), (401, WRONG), "login %s/%r" % (user, pw))
    r = c.request("POST", "/api/login", form={"user": "nobody", "password": "x"})
    check_eq((r.status, r.header("Location")), (303, "/login?error=wrong"),
             "form login failure goes back to the form")
    check_eq(c.login("", "x").status, 400, "empty user name")
    check_eq(c.request("POST", "/api/login", raw=b"user=a", headers={"Content-Type": "text/plain"},
                       csrf=False).status, 415, "login as text/plain")

    def timed(user):
        t0 = time.monotonic()
        check_eq(c.login(user, "wrong-password").status, 401, "failed login " + user)
        return time.monotonic() - t0
    known = statistics.median(timed("alice") for _ in range(3))
    unknown = statistics.median(timed("nobody-%d" % i) for i in range(3))
    ctx.log("failed login: known user %.0f ms, unknown user %.0f ms" % (known * 1e3, unknown * 1e3))
    check(unknown >= 0.6 * known, "an unknown user's failure (%.3f s) is as slow as a wrong "
          "password (%.3f s)", unknown, known)
    check("failed login as 'nobody'" in d.log_text(), "failures are logged")


@test
def wrong_passwords_lock_the_account(ctx):
    d = daemon_with_users(ctx, "[server]\nlogin-rate-limit = 0\n\n[security]\n"
                               "lockout-attempts = 3\nlockout-minutes = 0\n")
    c = WebClient(d)
    for i in range(2):
        check_eq(c.login("alice", "wrong-%d" % i).status, 401, "failure %d" % (i + 1))
    r = c.login("alice", "wrong-2")
    check_eq(r.status, 403, "the third failure locks")
    check("locked" in (r.error or ""), "the 403 says the account is locked: %r", r.error)
    r = c.login("alice", "alice-pw")
    check_eq(r.status, 403, "the right password while locked")
    check_eq(WebClient(d, source="127.0.0.2").login("alice", "alice-pw").status, 403,
             "locked from every address")
    check_eq(d.cli("user", "unlock", "alice").returncode, 0, "quire user unlock")
    check_eq(c.login("alice", "alice-pw").status, 200, "the right password after the unlock")


@test
def failed_logins_are_limited_per_address(ctx):
    d = daemon_with_users(ctx, "[server]\nlogin-rate-limit = 3\nlogin-rate-window = 60\n")
    c = WebClient(d)
    for i in range(3):
        check_eq(c.login("alice", "wrong-%d" % i).status, 401, "failure %d" % (i + 1))
    r = c.login("alice", "alice-pw")
    check_eq(r.status, 429, "the right password after 3 failures from this address")
    retry = int(r.header("Retry-After", "0"))
    check(50 <= retry <= 61, "Retry-After within the 60 s window: %d", retry)
    check("too many failed logins" in (r.error or ""), "the 429 says why: %r", r)
    other = WebClient(d, source="127.0.0.2")
    check_eq(other.login("alice", "alice-pw").status, 200, "another address is not blocked")
    r = c.request("POST", "/api/login", form={"user": "alice", "password": "alice-pw"})
    check_eq(r.header("Location"), "/login?error=limited", "a blocked form login")


@test
def form_login_redirects_only_locally(ctx):
    d = daemon_with_users(ctx)
    for nxt, where in (("/admin/tls", "/admin/tls"), ("//evil.example/", "/"),
                       ("https://evil.example/", "/"), ("/\\evil", "/")):
        c = WebClient(d)
        r = c.request("POST", "/api/login",
                      form={"user": "root", "password": "root-pw", "next": nxt})
        check_eq((r.status, r.header("Location")), (303, where), "form login with next=" + nxt)
        check(c.cookie, "form login sets the cookie")


@test
def pages_are_gated(ctx):
    d = daemon_with_users(ctx)
    anon, user, admin = three_clients(d)
    check_eq((anon.get("/").status, anon.last.header("Location")), (303, "/login?next=/"),
             "anonymous /")
    check_eq(anon.get("/admin/tls").header("Location"), "/login?next=/admin/tls",
             "anonymous /admin/tls")
    check_eq(anon.get("/login").status, 200, "anonymous /login")
    check_eq(user.get("/").status, 200, "user /")
    r = user.get("/admin/tls")
    check(r.status == 403 and b"Administrators only" in r.body, "user /admin/tls: %r", r)
    check_eq(admin.get("/admin/tls").status, 200, "admin /admin/tls")
    check_eq(user.get("/login").header("Location"), "/", "a logged-in user at /login")
    for path in ("/assets/app.html", "/assets/../web.mk", "/assets/none.js"):
        check_eq(anon.get(path).status, 404, path)


@test
def security_headers_everywhere(ctx):
    d = daemon_with_users(ctx)
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    for tls in (False, True):
        w = WebClient(d, tls=tls)
        w.cookie, w.csrf = c.cookie, c.csrf
        for path in ("/login", "/", "/admin/tls", "/assets/quire.css", "/api/session",
                     "/api/status", "/api/nothing"):
            r = w.get(path)
            where = "%s (tls=%s)" % (path, tls)
            csp = r.header("Content-Security-Policy", "")
            check("default-src 'self'" in csp and "frame-ancestors 'none'" in csp and
                  "unsafe-inline" not in csp, "CSP of %s: %r", where, csp)
            check_eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff on " + where)
            check_eq(r.header("X-Frame-Options"), "DENY", "X-Frame-Options on " + where)
            check_eq(r.header("Referrer-Policy"), "same-origin", "Referrer-Policy on " + where)
            if path.startswith("/api/"):
                check_eq(r.header("Cache-Control"), "no-store", "Cache-Control on " + where)


@test
def admin_token_and_cli_still_work(ctx):
    d = daemon_with_users(ctx)
    r = d.cli("status", "--json")
    check(r.returncode == 0 and '"alerts"' in r.stdout, "quire status: %s %s", r.stdout,
          r.stderr)
    r = d.cli("jobs")
    check_eq(r.returncode, 0, "quire jobs")
    c = WebClient(d)
    r = c.get("/api/session", headers={"Authorization": "Bearer " + d.admin_token()})
    check_eq(r.status, 401, "the bearer token is no session")
    r = c.request("POST", "/api/logout", json_body={},
                  headers={"Authorization": "Bearer " + d.admin_token()})
    check_eq(r.status, 400, "the bearer token has no session to end")
    st, _ = d.api("/status", token=False)
    check_eq(st, 200, "the public status page moved to /status")


def asset_files():
    return sorted(f for f in os.listdir(ASSETS) if not f.startswith("."))


def asset_url(name):
    """Where the console serves web/assets/NAME: pages at their path (pages.c), the rest
    under /assets/."""
    fixed = {"login.html": "/login", "app.html": "/", "tls.html": "/admin/tls",
             "admin.html": "/admin", "terminal.html": "/terminal"}
    if name in fixed:
        return fixed[name]
    if name.startswith("admin-") and name.endswith(".html"):
        return "/admin/" + name[len("admin-"):-len(".html")]
    return "/assets/" + name


@test
def ui_is_embedded_small_and_self_contained(ctx):
    d = daemon_with_users(ctx)
    admin, anon = WebClient(d), WebClient(d)
    admin.login_ok("root", "root-pw")
    total = 0
    for name in asset_files():
        with open(os.path.join(ASSETS, name), "rb") as f:
            data = f.read()
        total += len(data)
        if name == "forbidden.html":
            continue                     # served only as the 403 page (pages_are_gated)
        url = asset_url(name)
        c = anon if url in ("/login", "/terminal") else admin   # open to anyone
        r = c.get(url)
        check_eq((r.status, r.body), (200, data), "GET %s serves web/assets/%s" % (url, name))
        etag = r.header("ETag")
        check(etag and r.header("Cache-Control") == "no-cache", "%s: ETag, no-cache", url)
        check_eq(c.get(url, headers={"If-None-Match": etag}).status, 304, url + " revalidated")
        z = c.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        check_eq(z.header("Content-Encoding"), "gzip", url + " gzip")
        check_eq(gzip.decompress(z.body), data, url + " gzip content")
        check(z.header("ETag") != etag, "%s: the gzip form has its own ETag", url)
        nz = c.get(url, headers={"Accept-Encoding": "gzip;q=0, br"})
        check(nz.header("Content-Encoding") is None, "%s: gzip;q=0 is respected", url)
        text = data.decode("utf-8")
        if name.endswith((".html", ".css")):
            for m in re.finditer(r"""(?:src|href)=["']([^"']*)|url\(["']?([^"')]*)""", text):
                ref = m.group(1) or m.group(2)
                check(ref.startswith("/") and not ref.startswith("//"),
                      "%s refers to %r: only this appliance's own paths", name, ref)
        # The SVG namespace name is an identifier that is never fetched.
        text = text.replace("http://www.w3.org/2000/svg", "")
        check(not re.search(r"(https?:)?//[A-Za-z0-9]", text.replace("://", ":/ /")),
              "%s names no external URL", name)
    ctx.log("web UI: %d files, %d bytes uncompressed (limit %d)" % (
        len(asset_files()), total, UI_LIMIT))
    check(total < UI_LIMIT, "the UI weighs %d bytes, over %d", total, UI_LIMIT)
    errors = [line for line in d.log_text().splitlines() if " error " in line]
    check(not errors, "serving the UI logged errors: %r", errors)


@test
def pin_and_card_logins_and_wrong_pins_lock_out(ctx):
    """The console's login takes a PIN (with or without the user name) or a card as well as a
    password; such a session has the user role only, even for an admin; wrong PINs lock the
    user (then neither the right PIN nor the password lets them in) until an admin unlocks."""
    d = daemon_with_users(ctx, "[security]\nlockout-attempts = 3\nlockout-minutes = 0\n"
                               "throttle-attempts = 50\n")
    for args in (("user", "pin", "alice", "--set", "4711"),
                 ("user", "card", "alice", "--add", "04:A2:BC:11"),
                 ("user", "pin", "root", "--set", "9090")):
        r = d.cli(*args)
        check_eq(r.returncode, 0, "quire %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
    for cred in ({"user": "alice", "pin": "4711"}, {"pin": "4711"}, {"card": "04a2bc11"}):
        c = WebClient(d)
        r = c.request("POST", "/api/login", json_body=cred, csrf=False)
        check_eq(r.status, 200, "login by %r: %r" % (cred, r))
        check_eq((r.json["user"], r.json["admin"]), ("alice", False), "alice's user session")
        c.csrf = r.json["csrf_token"]
        check_eq(c.get("/api/session").status, 200, "the session works")
        check(r.header("Set-Cookie", "").count("HttpOnly") == 1, "cookie flags: %r", r)
    r = d.cli("user", "pin", "alice", "--set", "4711")
    c = WebClient(d)
    r = c.request("POST", "/api/login", json_body={"user": "root", "pin": "9090"}, csrf=False)
    check_eq((r.status, r.json["admin"]), (200, False), "an admin's PIN gives no admin role")
    check_eq(c.get("/api/status").status, 403, "so the admin API refuses that session")
    r = c.request("POST", "/api/login", form={"user": "alice", "pin": "4711", "next": "/"},
                  csrf=False)
    check_eq((r.status, r.header("Location")), (303, "/"), "the form login by PIN")
    for i in range(3):
        r = WebClient(d).request("POST", "/api/login", json_body={"user": "alice", "pin": "0000"},
                                 csrf=False)
        check(r.status in (401, 403), "wrong PIN %d: %r", i + 1, r)
    check_eq(r.status, 403, "the third wrong PIN locks alice")
    for cred in ({"user": "alice", "pin": "4711"}, {"pin": "4711"}, {"card": "04A2BC11"},
                 {"user": "alice", "password": "alice-pw"}):
        r = WebClient(d).request("POST", "/api/login", json_body=cred, csrf=False)
        check_eq(r.status, 403, "locked: %r refused" % cred)
    r = d.cli("user", "unlock", "alice")
    check_eq(r.returncode, 0, "quire user unlock")
    r = WebClient(d).request("POST", "/api/login", json_body={"pin": "4711"}, csrf=False)
    check_eq(r.status, 200, "unlocked: the PIN works again")


if __name__ == "__main__":
    run_tests(__doc__)
