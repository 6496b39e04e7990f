#!/usr/bin/env python3
"""The user portal (My jobs, /) and the release terminal (/terminal) in a real browser
(headless Chromium, Selenium) against quired and real MFDs (ippeveprinter, mfdlab.py), all
inside the test's private network namespace, over HTTPS with the appliance's certificate.

A user logs in, sees their held job with its page-1 thumbnail loaded (and not another user's
job), picks the printer, releases the job and sees it printed: it leaves the list, appears in
the history, and the MFD received it; a job deleted in the portal is canceled. At the
terminal a PIN typed on the keypad logs in, "Print all" prints every job on the MFD, a wrong
PIN, a locked account and a throttled address show the API's message, a card reader's
number-and-Enter logs in, and an idle session logs out by itself, leaving no trace of the
user. The portal fits a phone. No page logs a script error or a CSP violation. Screenshots of
every state go to BUILD/test-artifacts/.

API level, without a browser: the release API with the console session cookie acts as that
user only (list, thumbnail, delete, release by id; an admin's session sees only the admin's
own jobs), refuses changes without the CSRF token (403) and anonymous calls (401), and the
printers it lists carry no URI.

Run: python3 tests/integration/test_web_portal.py --bin build
Last line: "N passed, N failed, N skipped".
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
from webtest import WebClient  # noqa: E402

CONFIG = """[security]
lockout-attempts = 3
lockout-minutes = 0
throttle-attempts = 4
throttle-minutes = 1

[accounting]
currency = EUR
"""


def cli(d, *args):
    r = d.cli(*args)
    check(r.returncode == 0, "quire %s: %s %s", " ".join(args), r.stdout, r.stderr)
    return r


def setup(ctx):
    """One colour MFD (device "colour"), a device that never answers ("dead"), quired,
    alice (PIN 4711, card 04A2BC11), bob and an admin, and a price list."""
    mfd = ctx.mfd("PortalMFD", formats=["application/pdf", "image/pwg-raster"], color=True,
                  duplex=True)
    d = ctx.daemon(server=CONFIG)
    dl.add_device(d, "colour", mfd, location="Floor 1")
    dl.add_device(d, "dead", "socket://127.0.0.1:9", location="Basement", probe=False)
    cli(d, "user", "add", "alice", "--password", "alice-pw", "--full-name", "Alice Example")
    cli(d, "user", "pin", "alice", "--set", "4711")
    cli(d, "user", "card", "alice", "--add", "04:A2:BC:11")
    cli(d, "user", "add", "bob", "--password", "bob-pw")
    cli(d, "user", "add", "root", "--password", "root-pw", "--admin")
    cli(d, "price", "set", "--mono", "0.10", "--color", "0.50", "--sheet", "0.02")
    return d, mfd


def artifacts(ctx):
    return os.path.join(ctx.bindir, "test-artifacts")


def base(d):
    return "https://127.0.0.1:%d" % d.tls_port


def check_console(b, page, allowed=()):
    """No CSP violation and no script error on `page`; `allowed`: substrings of expected
    failed requests (a refused login answers 401/403/429, which Chromium logs)."""
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and
           not any(a in m for a in allowed)]
    check(not bad, "%s: console errors: %s", page, bad)


def log_in(b, d, user, password):
    b.get(base(d) + "/")
    b.wait_visible("#login")
    b.type("#user", user)
    b.type("#password", password)
    b.click("#submit")
    b.wait_path("/")


def js(b, script, *args):
    return b.driver.execute_script(script, *args)


def thumb_loaded(b, jid):
    """naturalWidth of job jid's thumbnail once it has loaded, else 0."""
    return js(b, "const i = document.querySelector('.job[data-id=\"' + arguments[0] + "
                 "'\"] img.thumb'); return i && i.complete ? i.naturalWidth : 0;", jid)


def no_horizontal_scroll(b, what):
    width = js(b, "return document.documentElement.scrollWidth")
    inner = js(b, "return window.innerWidth")
    check(width <= inner, "%s: horizontal scrolling on a phone: %d > %d", what, width, inner)


def wait_for(fn, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise dl.qt.TestFailure("%s: not within %d s" % (what, timeout))


@test
def user_releases_a_job_in_the_portal(ctx):
    from selenium.webdriver.support.ui import Select
    d, mfd = setup(ctx)
    pdf = ctx.doc("colour-set.pdf")
    ja = dl.submit(d, pdf, user="alice", name="alice-report")
    jb = dl.submit(d, pdf, user="bob", name="bob-secret")
    jdel = dl.submit(d, ctx.doc("text.pdf"), user="alice", name="alice-draft")
    with browser.Browser(artifacts(ctx)) as b:
        log_in(b, d, "alice", "alice-pw")
        b.wait_text("#who-name", "Alice Example (alice)")
        card = '.job[data-id="%d"]' % ja
        b.wait_visible(card)
        b.wait(lambda: thumb_loaded(b, ja) > 0, "alice's thumbnail loaded")
        check(not b.find_all('.job[data-id="%d"]' % jb), "bob's job is not listed")
        check("bob-secret" not in b.driver.page_source, "bob's job name is nowhere")
        name = b.text(card + " .name")
        check(name == "alice-report", "job name: %r", name)
        facts = b.text(card + " .detail")
        check("8 pages" in facts and "4 colour" in facts and "sheets" in facts, "facts: %r", facts)
        check("ago" in b.text(card + " .age"), "age: %r", b.text(card + " .age"))
        b.wait_text("#balance", "EUR")
        # Two printers: the dead one says why it is not ready; pick the MFD.
        opts = [o.get_attribute("value") for o in b.find_all("#device option")]
        check(opts == ["colour", "dead"], "printers offered: %r", opts)
        Select(b.find("#device")).select_by_value("dead")
        b.wait(lambda: "not" in b.text("#device-state").lower() or
               "unreachable" in b.text("#device-state").lower(), "the dead printer's reason")
        Select(b.find("#device")).select_by_value("colour")
        b.wait_text("#device-state", "Ready")
        check(js(b, "return localStorage.getItem('quire.device')") == "colour",
              "the printer is remembered")
        w = WebClient(d)                  # the estimate shown is the API's
        w.login_ok("alice", "alice-pw")
        want = {j["id"]: j for j in w.get("/api/release/jobs?device=colour").json["jobs"]}[ja]
        b.wait_text(card + " .cost", want["cost"] + " EUR")
        b.screenshot("portal-jobs")
        check_console(b, "portal")

        # Delete the draft (with the confirmation), release the report.
        b.click('.job[data-id="%d"] input.select' % jdel)
        b.click("#delete")
        b.wait(lambda: b.driver.switch_to.alert, "the confirmation").accept()
        b.wait(lambda: not b.find_all('.job[data-id="%d"]' % jdel), "the draft gone")
        b.wait_text("#results", "Deleted.")
        check(dl.job(d, jdel)["state"] == 7, "the deleted job is canceled: %r", dl.job(d, jdel))
        b.click(card + " input.select")
        check(b.find(card + " input.select").is_selected(), "the job is selected")
        b.click("#release")
        b.wait_text("#results", "alice-report: Sent to colour.")
        b.screenshot("portal-released")
        b.wait(lambda: not b.find_all(card), "the job leaves the held list", timeout=120)
        b.wait(lambda: "alice-report" in b.text("#history tbody"), "the job in the history",
               timeout=30)
        row = b.text("#history tbody")
        check("colour" in row and want["cost"] in row, "history row: %r", row)
        check(dl.job(d, ja)["state"] == 9, "the job is completed")
        check(len(dl.kept(mfd, ".pdf")) == 1, "the MFD received it: %r", mfd.received())
        check(len(dl.mfd_printed(mfd)) == 1, "the MFD printed one job")
        dels = dl.deliveries(d, ja)
        check(dels and dels[-1]["released_by"] == "alice", "released by alice: %r", dels)
        b.wait(lambda: b.text("#balance") != want["cost"] and "-" in b.text("#balance"),
               "the balance charged")
        check(b.text("#balance") == "-%s EUR" % want["cost"], "balance: %r", b.text("#balance"))
        b.find("#history").location_once_scrolled_into_view
        b.screenshot("portal-history")
        check_console(b, "portal after release and delete")
        check(dl.job(d, jb)["state"] == 4, "bob's job is still held")


@test
def terminal_pin_print_all_and_idle_logout(ctx):
    d, mfd = setup(ctx)
    pdf = ctx.doc("text.pdf")
    j1 = dl.submit(d, pdf, user="alice", name="first")
    j2 = dl.submit(d, pdf, user="alice", name="second")
    jb = dl.submit(d, pdf, user="bob", name="bob-secret")
    refused = ("/api/release/login",)
    with browser.Browser(artifacts(ctx), size=(800, 1000)) as b:
        b.get(base(d) + "/terminal?device=nowhere")
        b.wait_text("#unknown-text", 'There is no printer "nowhere".')
        check(not b.visible("#keypad"), "no keypad for an unknown printer")
        b.screenshot("terminal-unknown-device")
        check_console(b, "terminal, unknown printer", ("/api/release/devices/nowhere",))

        b.get(base(d) + "/terminal?device=colour&timeout=15")
        b.wait_visible("#keypad")
        b.wait_text("#device-name", "colour")
        b.wait_text("#device-state", "Ready")
        b.screenshot("terminal-keypad")

        def pin(digits):
            for k in digits:
                b.click('#keypad button[data-key="%s"]' % k)
            check(b.text("#pin-display") == "•" * len(digits), "PIN dots: %r",
                  b.text("#pin-display"))
            b.click("#pin-ok")

        pin("9999")
        b.wait_text("#login-error", "Wrong PIN.")
        check(b.visible("#keypad") and not b.visible("#jobs-screen"), "still at the keypad")
        b.screenshot("terminal-wrong-pin")
        pin("4711")
        b.wait_visible("#jobs-screen")
        b.wait_text("#user-name", "Alice Example")
        b.wait(lambda: len(b.find_all(".job")) == 2, "alice's two jobs")
        ids = sorted(int(e.get_attribute("data-id")) for e in b.find_all(".job"))
        check(ids == sorted([j1, j2]), "terminal lists %r", ids)
        check("bob-secret" not in b.driver.page_source, "no trace of bob's job")
        check("EUR" in b.text('.job[data-id="%d"] .cost' % j1), "cost at the printer")
        b.wait_text("#countdown", "Logging out in")
        b.screenshot("terminal-jobs")
        b.click("#print-all")
        b.wait(lambda: b.text("#results").count("Sent to colour.") == 2, "two jobs sent")
        b.screenshot("terminal-printed")
        for jid in (j1, j2):
            dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
        check(len(dl.kept(mfd, ".pdf")) == 2, "the MFD received both: %r", mfd.received())
        check(dl.job(d, jb)["state"] == 4, "bob's job stays held")
        # Nothing touched: the countdown runs out and the keypad comes back, empty.
        b.wait_visible("#keypad", timeout=30)
        check(not b.find_all(".job") and b.text("#user-name") == "" and
              not b.visible("#results"), "no trace of alice after the idle logout")
        check(js(b, "return localStorage.length + sessionStorage.length") == 0,
              "nothing stored in the browser")
        check("first" not in b.find("main").text, "the job names are gone")
        b.screenshot("terminal-logged-out")

        # A card reader types the number and Enter; "Log out" ends it at once.
        b.type("#card", "04A2BC11\n")
        b.wait_text("#user-name", "Alice Example")
        b.wait_visible("#no-jobs")
        b.click("#logout")
        b.wait_visible("#keypad")
        check(b.text("#user-name") == "", "logged out")

        # A locked account and a throttled address show the API's message.
        for p in ("0000", "0001", "0002"):
            dl.api(d, "POST", "/api/release/login", {"username": "alice", "pin": p}, token=False)
        pin("4711")
        b.wait_text("#login-error", "locked")
        b.screenshot("terminal-locked")
        cli(d, "user", "unlock", "alice")
        for p in ("1111", "2222", "3333"):     # with 9999 above: four failures from here
            pin(p)
            b.wait_text("#login-error", "Wrong PIN.")
        pin("4711")
        b.wait_text("#login-error", "Too many wrong attempts")
        check(not b.visible("#jobs-screen"), "throttled: not logged in")
        check_console(b, "terminal", refused)


@test
def portal_and_terminal_fit_a_phone(ctx):
    d, _ = setup(ctx)
    jid = dl.submit(d, ctx.doc("colour-set.pdf"), user="alice",
                    name="a-rather-long-job-name-that-should-wrap-on-a-phone-screen.pdf")
    with browser.Browser(artifacts(ctx), size=(390, 844)) as b:
        b.resize(390, 844)
        log_in(b, d, "alice", "alice-pw")
        b.wait(lambda: thumb_loaded(b, jid) > 0, "the thumbnail loaded")
        img = b.find('.job[data-id="%d"] img.thumb' % jid)
        check(img.is_displayed(), "the thumbnail is visible")
        r = js(b, "return arguments[0].getBoundingClientRect().right", img)
        check(0 < r <= js(b, "return window.innerWidth"), "the thumbnail is on screen: %r", r)
        no_horizontal_scroll(b, "portal")
        b.screenshot("portal-phone")
        check_console(b, "portal on a phone")
        b.get(base(d) + "/terminal?device=colour")
        b.wait_visible("#keypad")
        no_horizontal_scroll(b, "terminal")
        b.screenshot("terminal-phone")
        check_console(b, "terminal on a phone")


@test
def session_path_of_the_release_api(ctx):
    d, _ = setup(ctx)
    pdf = ctx.doc("text.pdf")
    ja = dl.submit(d, pdf, user="alice", name="alice-job")
    jb = dl.submit(d, pdf, user="bob", name="bob-job")
    anon, alice, root = WebClient(d), WebClient(d), WebClient(d)
    alice.login_ok("alice", "alice-pw")
    root.login_ok("root", "root-pw")
    for path in ("/api/release/jobs", "/api/release/me", "/api/release/devices",
                 "/api/release/history", "/api/release/jobs/%d/thumbnail" % ja):
        r = anon.get(path)
        check(r.status == 401, "anonymous GET %s: %r", path, r)
    r = anon.post("/api/release", {"device": "colour", "all": True})
    check(r.status == 401, "anonymous release: %r", r)
    r = anon.request("DELETE", "/api/release/jobs/%d" % ja)
    check(r.status == 401, "anonymous delete: %r", r)

    r = alice.get("/api/release/me")
    check(r.status == 200 and r.json["user"]["name"] == "alice" and
          r.json["user"]["balance"] == "0.00", "me: %r", r)
    r = alice.get("/api/release/devices")
    check(r.status == 200 and [x["name"] for x in r.json["devices"]] == ["colour", "dead"],
          "devices: %r", r)
    dev = r.json["devices"][0]
    check(dev["can_release"] and dev["color"] and dev["location"] == "Floor 1" and
          "uri" not in dev and "127.0.0.1" not in r.body.decode(), "no URI: %r", r.json)
    check(not r.json["devices"][1]["can_release"] and r.json["devices"][1]["why_not"],
          "the dead one says why: %r", r.json["devices"][1])
    r = anon.get("/api/release/devices/colour")
    check(r.status == 200 and r.json["name"] == "colour" and "uri" not in r.json,
          "one printer for a terminal before login: %r", r)
    check(anon.get("/api/release/devices/nowhere").status == 404, "unknown printer")

    r = alice.get("/api/release/jobs?device=colour")
    check(r.status == 200 and [j["id"] for j in r.json["jobs"]] == [ja], "alice lists %r", r)
    check(alice.get("/api/release/jobs/%d/thumbnail" % jb).status == 404, "bob's thumbnail")
    r = alice.get("/api/release/jobs/%d/thumbnail" % ja)
    check(r.status == 200 and r.body[:2] == b"\xff\xd8", "her own thumbnail: %r", r)
    r = root.get("/api/release/jobs")
    check(r.status == 200 and r.json["jobs"] == [] and r.json["user"]["name"] == "root",
          "an admin's session sees only the admin's jobs: %r", r)
    r = root.post("/api/release", {"device": "colour", "jobs": [ja]})
    check(r.status == 200 and r.json["released"] == 0 and
          r.json["results"][0]["message"] == "No such job.", "admin releasing alice's: %r", r)
    check(root.request("DELETE", "/api/release/jobs/%d" % ja).status == 404, "admin deletes")

    # Changes need the CSRF token, and a cross-site request is refused.
    r = alice.post("/api/release", {"device": "colour", "jobs": [ja]}, csrf=False)
    check(r.status == 403, "release without CSRF token: %r", r)
    r = alice.request("DELETE", "/api/release/jobs/%d" % ja, csrf=False)
    check(r.status == 403, "delete without CSRF token: %r", r)
    r = alice.post("/api/release", {"device": "colour", "jobs": [ja]}, csrf="A" * 43)
    check(r.status == 403, "release with a wrong CSRF token: %r", r)
    r = alice.post("/api/release", {"device": "colour", "jobs": [ja]},
                   origin="https://evil.example")
    check(r.status == 403, "cross-site release: %r", r)
    check(dl.job(d, ja)["state"] == 4, "alice's job is still held")

    r = alice.post("/api/release", {"device": "colour", "jobs": [jb]})
    check(r.status == 200 and r.json["released"] == 0 and
          r.json["results"][0]["message"] == "No such job.", "alice releasing bob's: %r", r)
    check(alice.request("DELETE", "/api/release/jobs/%d" % jb).status == 404, "bob's delete")
    r = alice.post("/api/release", {"device": "colour", "all": True})
    check(r.status == 200 and [x["id"] for x in r.json["results"]] == [ja] and
          r.json["released"] == 1, "'all' is alice's jobs only: %r", r)
    dl.wait_job(d, ja, dl.completed, "completed", timeout=120)
    check(dl.deliveries(d, ja)[-1]["released_by"] == "alice", "released_by recorded")
    check(dl.job(d, jb)["state"] == 4, "bob's job untouched")
    r = alice.get("/api/release/history")
    check(r.status == 200 and [p["job"] for p in r.json["printed"]] == [ja], "history %r", r)
    # A bearer token still comes first: a wrong one is refused even with a good cookie.
    r = alice.get("/api/release/jobs", headers={"Authorization": "Bearer " + "0" * 64})
    check(r.status == 401, "a bad bearer token with a good cookie: %r", r)
    alice.logout()
    check(alice.get("/api/release/jobs").status == 401, "after logout")


if __name__ == "__main__":
    why = browser.missing()
    if why:
        print("SKIP browser tests: %s" % why)
        print("0 passed, 0 failed, 4 skipped")
        sys.exit(0)
    dl.run(__doc__, "wp")
