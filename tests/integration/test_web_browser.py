#!/usr/bin/env python3
"""The web console in a real browser: headless Chromium (Selenium) against quired on
loopback, over HTTPS with the appliance's self-signed certificate. A user logs in, sees the
shell with their name, logs out; a wrong password shows the error; an admin opens the TLS
certificate page, uploads a certificate (and a refused one shows why); a user cannot open the
admin page; over plain HTTP the login page offers the secure one; the shell fits a phone
screen. No page may log a Content Security Policy violation or a script error. Screenshots of
every page go to BUILD/test-artifacts/.

Run: python3 tests/integration/test_web_browser.py --bin build
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

from quiretest import check, check_eq, run_tests, test  # noqa: E402
from webtest import add_user, make_ca, make_leaf, served_cert, pem_fingerprint, read  # noqa: E402

SHOTS = []


def artifacts(ctx):
    return os.path.join(ctx.bindir, "test-artifacts")


def appliance(ctx):
    d = ctx.daemon()
    add_user(d, "alice", "alice-pw", full_name="Alice Example")
    add_user(d, "root", "root-pw", admin=True, full_name="Rita Root")
    return d


def base(d, tls=True):
    return ("https://127.0.0.1:%d" % d.tls_port) if tls else ("http://127.0.0.1:%d" % d.port)


def shot(b, name):
    SHOTS.append(b.screenshot(name))


def check_console(b, page):
    """No CSP violation and no script error on `page` (a 401 of /api/session is expected on
    the login page: it asks whether anyone is logged in)."""
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and
           not ("/api/session" in m and "401" in m) and not ("/api/login" in m and "401" in m)]
    check(not bad, "%s: console errors: %s", page, bad)


def log_in(b, d, user, password, tls=True, start="/"):
    b.get(base(d, tls) + start)
    b.wait_visible("#login")
    b.type("#user", user)
    b.type("#password", password)
    b.click("#submit")


@test
def user_logs_in_sees_the_shell_and_logs_out(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        b.get(base(d) + "/")
        b.wait_path("/login?next=/")             # sent to the login page first
        shot(b, "login")
        check_console(b, "login")
        log_in(b, d, "alice", "alice-pw")
        b.wait_path("/")
        b.wait_text("#who-name", "Alice Example (alice)")
        b.wait_visible("#no-jobs")               # My jobs, empty (test_web_portal.py: jobs)
        check_eq(b.text("#who"), "Alice Example", "the header names the user")
        check(not b.find_all('a[href="/admin/tls"]'), "no admin link for a user")
        c = b.cookies().get("quire_session")
        check(c and c["httpOnly"] and c["secure"] and c["sameSite"] == "Strict",
              "session cookie as the browser keeps it: %r", c)
        shot(b, "shell-user")
        check_console(b, "shell")
        b.click("#logout")
        b.wait_visible("#login")
        b.wait_path("/login")
        check("quire_session" not in b.cookies(), "the cookie is gone after logout")
        shot(b, "logged-out")
        b.get(base(d) + "/")
        b.wait_path("/login?next=/")             # the session is really over


@test
def wrong_password_shows_the_error(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        log_in(b, d, "alice", "not-her-password")
        b.wait_text("#error", "Wrong user name or password.")
        check(b.visible("#error"), "the error is shown")
        check("/login" in b.url, "still on the login page: %s", b.url)
        check("quire_session" not in b.cookies(), "no session cookie")
        check_eq(b.find("#password").get_attribute("value"), "", "the password field is emptied")
        shot(b, "login-wrong-password")
        check_console(b, "login with a wrong password")
        b.type("#password", "alice-pw")
        b.click("#submit")
        b.wait_text("#who-name", "alice")


@test
def admin_opens_and_changes_the_certificate(ctx):
    d = appliance(ctx)
    ca = make_ca(d.workdir)
    leaf, key, chain = make_leaf(d.workdir, ca, "leaf", "print.example.test",
                                 ["DNS:print.example.test", "IP:127.0.0.1"])
    with open(os.path.join(d.workdir, "chain.pem"), "w") as f:
        f.write(chain)
    _, other_key, _ = make_leaf(d.workdir, ca, "other", "other.test", ["DNS:other.test"])
    with browser.Browser(artifacts(ctx)) as b:
        log_in(b, d, "root", "root-pw", start="/admin/tls")
        b.wait_path("/admin/tls")                # back to the page asked for
        b.wait_text("#cert-subject", "self-signed")
        check("quire" in b.text("#cert-subject"), "subject: %s", b.text("#cert-subject"))
        check("DNS:localhost" in b.text("#cert-sans") and "IP:127.0.0.1" in b.text("#cert-sans"),
              "names: %s", b.text("#cert-sans"))
        check(b.find_all('a[href="/admin/tls"]'), "the admin link in the header")
        check("admin" in b.text("#who"), "the admin badge")
        shot(b, "tls-certificate")
        check_console(b, "certificate page")
        # A refused upload says why and changes nothing.
        b.upload("#cert-file", os.path.join(d.workdir, "chain.pem"))
        b.upload("#key-file", other_key)
        b.click('#upload button[type="submit"]')
        b.wait_text("#upload-error", "does not belong")
        shot(b, "tls-upload-refused")
        refused = [m for lvl, m in b.console() if lvl == "SEVERE"]
        check(len(refused) == 1 and "/api/tls/certificate" in refused[0] and "400" in refused[0],
              "the only console error is the refused upload's 400: %s", refused)
        check("self-signed" in b.text("#cert-subject"), "the old certificate is still shown")
        # A good one is used at once.
        b.upload("#key-file", key)
        b.click('#upload button[type="submit"]')
        b.wait_text("#upload-done", "in use")
        b.wait_text("#cert-subject", "print.example.test")
        check("chain of 2" in b.text("#cert-key"), "key and chain: %s", b.text("#cert-key"))
        shot(b, "tls-uploaded")
        check_eq(served_cert(d.tls_port)[1], pem_fingerprint(read(leaf)), "served afterwards")
        b.get(base(d) + "/admin/tls")            # a new connection, new certificate: still in
        b.wait_text("#cert-subject", "print.example.test")
        check_console(b, "certificate page after the upload")


@test
def user_cannot_open_the_admin_page(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        log_in(b, d, "alice", "alice-pw")
        b.wait_text("#who-name", "alice")
        b.get(base(d) + "/admin/tls")
        b.wait_text("h1", "Administrators only")
        check(not b.find_all("#cert-subject"), "no certificate details for a user")
        shot(b, "forbidden")


@test
def plain_http_login_offers_the_secure_page(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        b.get(base(d, tls=False) + "/login")
        b.wait_visible("#insecure")
        href = b.find("#secure-link").get_attribute("href")
        check_eq(href, "https://127.0.0.1:%d/login" % d.tls_port, "link to the TLS port")
        shot(b, "login-plain-http")
        log_in(b, d, "alice", "alice-pw", tls=False)
        b.wait_text("#who-name", "alice")
        c = b.cookies().get("quire_session")
        check(c and c["httpOnly"] and not c["secure"], "plain-HTTP cookie: %r", c)


@test
def shell_fits_a_phone(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx), size=(390, 844)) as b:
        log_in(b, d, "root", "root-pw")
        b.wait_text("#who-name", "root")
        width = b.driver.execute_script("return document.documentElement.scrollWidth")
        inner = b.driver.execute_script("return window.innerWidth")
        check(width <= inner, "no horizontal scrolling on a phone: %d > %d", width, inner)
        shot(b, "shell-phone")
        b.get(base(d) + "/admin/tls")
        b.wait_text("#cert-subject", "quire")
        width = b.driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= inner, "certificate page on a phone: %d > %d", width, inner)
        shot(b, "tls-certificate-phone")


if __name__ == "__main__":
    why = browser.missing()
    if why:
        print("SKIP browser tests: %s" % why)
        print("0 passed, 0 failed, 6 skipped")
        sys.exit(0)
    run_tests(__doc__)
