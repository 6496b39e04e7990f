#!/usr/bin/env python3
"""The Queues and Settings pages of the admin console in headless Chromium (browser.py)
against quired over HTTPS: an admin adds a queue from the form and sees it in the list with
its IPP address (and Get-Printer-Attributes answers for it), edits it from its row, removes it
after confirming; changes settings, sees where their values come from and the site name in
the header, and a refused value's reason. No page may log a Content Security Policy
violation or a script error. Screenshots of both pages go to BUILD/test-artifacts/.

Run: python3 tests/integration/test_web_queues_browser.py --bin build
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

from quiretest import STATUS_NOT_FOUND, STATUS_OK, check, check_eq, run_tests, test  # noqa: E402
from webtest import WebClient, add_user  # noqa: E402


def artifacts(ctx):
    return os.path.join(ctx.bindir, "test-artifacts")


def admin_page(ctx, b, path):
    d = ctx.daemon(config="[queue office]\ninfo = Office Printer\n")
    add_user(d, "root", "root-pw", admin=True, full_name="Rita Root")
    b.get("https://127.0.0.1:%d%s" % (d.tls_port, path))
    b.wait_visible("#login")
    b.type("#user", "root")
    b.type("#password", "root-pw")
    b.click("#submit")
    b.wait_path(path)
    return d


def check_console(b, page):
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and
           not ("/api/session" in m and "401" in m)]
    check(not bad, "%s: console errors: %s", page, bad)


def shot(b, name):
    """A screenshot of the whole page from its top."""
    b.resize(1280, 2000)
    b.driver.execute_script("window.scrollTo(0, 0)")
    b.screenshot(name)
    b.resize(1280, 900)


def row(b, name):
    return b.find('#queues tbody tr[data-queue="%s"]' % name)


@test
def admin_adds_edits_and_removes_a_queue_from_the_page(ctx):
    with browser.Browser(artifacts(ctx)) as b:
        d = admin_page(ctx, b, "/admin/queues")
        b.wait(lambda: row(b, "office"), "office listed")
        b.type("#q-name", "lab")
        b.type("#q-info", "Lab printer")
        b.type("#q-location", "Room 5")
        b.click("#q-submit")
        b.wait_text("#queues-done", "Queue lab added")
        text = b.wait(lambda: row(b, "lab").text, "lab in the list")
        check("Lab printer" in text and "/ipp/print/lab" in text and "console" in text,
              "the new row: %r", text)
        m = d.get_printer_attrs("lab", requested=["printer-info"])
        check_eq((m.status, m.value("printer-info")), (STATUS_OK, "Lab printer"), "over IPP")
        shot(b, "admin-queues")
        check_console(b, "queues page")

        row(b, "lab").find_element("css selector", "button.edit").click()
        b.wait_text("#form-title", "Edit queue lab")
        check_eq(b.find("#q-info").get_attribute("value"), "Lab printer", "form filled")
        b.type("#q-info", "Lab printer, 1st floor")
        b.click("#q-submit")
        b.wait_text("#queues-done", "saved")
        b.wait(lambda: "1st floor" in row(b, "lab").text, "the edit in the list")
        m = d.get_printer_attrs("lab", requested=["printer-info"])
        check_eq(m.value("printer-info"), "Lab printer, 1st floor", "the edit over IPP")

        row(b, "lab").find_element("css selector", "button.remove").click()
        b.wait(lambda: b.driver.switch_to.alert, "the confirmation").accept()
        b.wait_text("#queues-done", "Queue lab removed")
        b.wait(lambda: not b.find_all('#queues tbody tr[data-queue="lab"]'), "lab gone")
        check_eq(d.get_printer_attrs("lab").status, STATUS_NOT_FOUND, "lab gone over IPP")
        check_console(b, "queues page after the changes")


@test
def admin_changes_a_setting_from_the_page(ctx):
    with browser.Browser(artifacts(ctx)) as b:
        d = admin_page(ctx, b, "/admin/settings")
        b.wait_text("#src-currency", "default")
        b.type("#set-currency", "CHF")
        b.type("#set-site", "Branch office")
        b.click("#settings-save")
        b.wait_text("#settings-done", "Saved")
        b.wait_text("#src-currency", "set here")
        c = WebClient(d)
        c.login_ok("root", "root-pw")
        check_eq(c.get("/api/reports?by=user").json["currency"], "CHF", "currency in force")
        b.get(b.url)                           # the header shows the site name
        b.wait_text("#bar .site", "Branch office")
        b.wait_text("#src-site", "set here")
        b.type("#set-currency", "chf")        # the server refuses it and the page says why
        b.click("#settings-save")
        b.wait_text("#settings-error", "currency")
        shot(b, "admin-settings")
        bad = [m for lvl, m in b.console() if lvl == "SEVERE" and "400" not in m and
               not ("/api/session" in m and "401" in m)]
        check(not bad, "settings page: console errors: %s", bad)


if __name__ == "__main__":
    why = browser.missing()
    if why:
        print("SKIP browser tests: %s" % why)
        print("0 passed, 0 failed, 2 skipped")
        sys.exit(0)
    run_tests(__doc__)
