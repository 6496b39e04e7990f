#!/usr/bin/env python3
"""The admin console end to end in a real browser (headless Chromium, Selenium) against
quired and a real MFD (ippeveprinter, mfdlab.py), inside the test's private network
namespace, over HTTPS with the appliance's certificate.

An admin logs in, adds the MFD on the devices page (its capabilities are discovered), sets a
price on the prices page; a user's job printed there shows in the report's charts with its
cost; the admin raises the price, a second job prints, and the report's charts change by
exactly the new cost, in agreement with the report API and the CSV export. The audit log page
lists the admin's changes. Every page of the console is opened, photographed and checked for
script errors and CSP violations; the pages and their files weigh under 200 KB in all. On the
login page a PIN logs a user in to My jobs, and an admin's PIN gives no admin pages.

Run: python3 tests/integration/test_web_console.py --bin build
Last line: "N passed, N failed, N skipped".
"""
import csv
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
from webtest import WebClient  # noqa: E402

CONFIG = """[accounting]
currency = EUR
"""
UI_LIMIT = 200 * 1024


def cli(d, *args):
    r = d.cli(*args)
    check(r.returncode == 0, "quire %s: %s %s", " ".join(args), r.stdout, r.stderr)
    return r


def setup(ctx):
    """A colour PDF MFD (not yet a device), quired, the user alice (PIN 4711) and the admin
    root (password root-pw, PIN 9090)."""
    mfd = ctx.mfd("ConsoleMFD", formats=["application/pdf", "image/pwg-raster"], color=True,
                  duplex=True)
    d = ctx.daemon(server=CONFIG)
    cli(d, "user", "add", "alice", "--password", "alice-pw", "--full-name", "Alice Example")
    cli(d, "user", "pin", "alice", "--set", "4711")
    cli(d, "user", "add", "root", "--password", "root-pw", "--admin")
    cli(d, "user", "pin", "root", "--set", "9090")
    return d, mfd


def base(d):
    return "https://127.0.0.1:%d" % d.tls_port


def artifacts(ctx):
    return os.path.join(ctx.bindir, "test-artifacts")


def check_console(b, page, allow=()):
    """No CSP violation and no script error on `page` (`allow`: expected failed requests)."""
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and not any(a in m for a in allow)]
    check(not bad, "%s: console errors: %s", page, bad)


def log_in(b, d, user, password, start="/admin"):
    b.get(base(d) + start)
    b.wait_visible("#login")
    b.type("#user", user)
    b.type("#password", password)
    b.click("#submit")
    b.wait_path(start)


def print_and_release(d, pdf, name):
    """alice's job printed on floor1 through the release API (a terminal's PIN login)."""
    jid = dl.submit(d, pdf, user="alice", name=name)
    st, r = dl.api(d, "POST", "/api/release/login", {"pin": "4711"}, token=False)
    check(st == 200, "alice's PIN login: %d %r", st, r)
    w = WebClient(d)
    resp = w.request("POST", "/api/release", json_body={"device": "floor1", "jobs": [jid]},
                     headers={"Authorization": "Bearer " + r["token"]})
    check(resp.status == 200 and resp.json["released"] == 1, "release: %r", resp)
    dl.wait_job(d, jid, dl.completed, "printed", timeout=120)
    return jid


def bar_value(b, chart, key):
    """data-value of the bar or slice `key` in the SVG chart `chart` (a float), None if none."""
    els = b.find_all('#%s [data-key="%s"]' % (chart, key))
    return float(els[0].get_attribute("data-value")) if els else None


def open_report(b, d, metric):
    """The reports page with `metric` chosen, once its charts are drawn."""
    from selenium.webdriver.support.ui import Select
    b.get(base(d) + "/admin/reports")
    b.wait(lambda: b.driver.execute_script("return document.body.dataset.loaded"), "charts")
    loaded = b.driver.execute_script("return document.body.dataset.loaded")
    if b.find("#metric").get_attribute("value") == metric:
        return
    Select(b.find("#metric")).select_by_value(metric)
    b.wait(lambda: b.driver.execute_script("return document.body.dataset.loaded") != loaded,
           "charts redrawn for " + metric)


def today_key(b):
    """The per-day chart's key of today (the page labels days MM-DD, local time)."""
    return b.driver.execute_script(
        "const d = new Date(); return String(d.getMonth() + 1).padStart(2, '0') + '-' + "
        "String(d.getDate()).padStart(2, '0');")


def set_price(b, mono, color):
    """Sets the default list's price for any media on /admin/prices: the row's inputs when
    the row exists, else the add form."""
    if b.find_all("#price-default-any-mono"):
        b.type("#price-default-any-mono", mono)
        b.type("#price-default-any-color", color)
        b.click("#save-default-any")
    else:
        b.type("#pa-mono", mono)
        b.type("#pa-color", color)
        b.click("#pa-save")
    b.wait_visible("#prices-done")
    b.wait(lambda: b.find("#price-default-any-mono").get_attribute("value") in (mono, mono + "0"),
           "the saved price shown")


@test
def admin_adds_a_device_changes_a_price_and_the_report_follows(ctx):
    if browser.missing():
        raise dl.Skip(browser.missing())
    d, mfd = setup(ctx)
    pdf = ctx.doc("colour-set.pdf")           # 8 pages, 4 of them colour
    with browser.Browser(artifacts(ctx), size=(1400, 1000)) as b:
        log_in(b, d, "root", "root-pw")
        b.get(base(d) + "/admin/devices")
        b.type("#dev-name", "floor1")
        b.type("#dev-uri", mfd.uri)
        b.type("#dev-location", "Floor 1")
        b.click("#dev-add")
        b.wait_text("#add-done", "Added floor1")
        b.wait_text('#discovered dd[data-fact="colour"]', "yes")
        b.wait_text('tr[data-device="floor1"] td.state', "idle", timeout=20)
        b.screenshot("console-device-added")
        check_console(b, "devices page")

        b.get(base(d) + "/admin/prices")
        set_price(b, "0.10", "0.50")
        b.screenshot("console-price-set")
        check_console(b, "prices page")

        print_and_release(d, pdf, "first")    # 4 x 0.10 + 4 x 0.50 = 2.40
        open_report(b, d, "cost")
        day = today_key(b)
        b.wait(lambda: bar_value(b, "chart-devices", "floor1") == 2.4,
               "floor1's bar at 2.40 EUR")
        check(bar_value(b, "chart-days", day) == 2.4, "today's bar: %r",
              bar_value(b, "chart-days", day))
        check(bar_value(b, "chart-users", "alice") == 2.4, "alice's bar")
        check(b.text("#total-cost") == "2.40 EUR", "total: %r", b.text("#total-cost"))
        before = b.find("#chart-days").get_attribute("innerHTML")
        b.screenshot("console-report-before")

        b.get(base(d) + "/admin/prices")
        set_price(b, "0.30", "0.50")
        print_and_release(d, pdf, "second")   # 4 x 0.30 + 4 x 0.50 = 3.20
        open_report(b, d, "cost")
        b.wait(lambda: bar_value(b, "chart-devices", "floor1") == 5.6,
               "floor1's bar grows by the new price's 3.20 EUR")
        check(bar_value(b, "chart-days", day) == 5.6, "today's bar: %r",
              bar_value(b, "chart-days", day))
        check(b.find("#chart-days").get_attribute("innerHTML") != before, "the chart changed")
        check(b.text("#total-cost") == "5.60 EUR", "total: %r", b.text("#total-cost"))
        st, rep = dl.api(d, "GET", "/api/reports?by=device")
        check(st == 200 and [(r["key"], r["cost"]) for r in rep["rows"]] == [("floor1", "5.60")],
              "the report API agrees: %r", rep)
        b.screenshot("console-report-after")
        open_report(b, d, "pages")
        check(bar_value(b, "chart-mix", "color") == 8 and bar_value(b, "chart-mix", "mono") == 8,
              "colour and mono pages: %r %r", bar_value(b, "chart-mix", "color"),
              bar_value(b, "chart-mix", "mono"))
        colour_day = b.find_all('#chart-days rect[data-series="color_pages"]')
        check(len(colour_day) == 1 and colour_day[0].get_attribute("data-value") == "8",
              "today's colour pages stacked in the day chart")
        check_console(b, "reports page")
        href = b.find("#csv").get_attribute("href")
        admin = WebClient(d)
        admin.login_ok("root", "root-pw")
        r = admin.get(href[href.index("/api/"):])
        rows = list(csv.reader(io.StringIO(r.body.decode())))
        check(r.status == 200 and rows[1][0] == "alice" and rows[1][-1] == "5.60",
              "the CSV export behind the page's link: %r", rows)

        b.get(base(d) + "/admin/audit")
        b.wait_text("#audit tbody", "POST /api/devices")
        text = b.text("#audit tbody")
        check("PUT /api/prices/default/any" in text and "root" in text, "audit page: %s", text)
        b.screenshot("console-audit")
        check_console(b, "audit page")


def nav_links(b):
    return [a.get_attribute("href") for a in b.find_all("#bar nav a")]


@test
def every_console_page_opens_cleanly_and_the_ui_is_small(ctx):
    if browser.missing():
        raise dl.Skip(browser.missing())
    d, mfd = setup(ctx)
    dl.add_device(d, "floor1", mfd, location="Floor 1")
    with browser.Browser(artifacts(ctx), size=(1400, 1000)) as b:
        log_in(b, d, "root", "root-pw")
        links = nav_links(b)
        paths = [re.sub(r"^https://[^/]+", "", u) for u in links]
        for want in ("/", "/admin", "/admin/queues", "/admin/devices", "/admin/users",
                     "/admin/prices", "/admin/quotas", "/admin/reports", "/admin/audit",
                     "/admin/settings", "/admin/tls"):
            check(want in paths, "the admin navigation links %s: %r", want, paths)
        fetched = set()
        total = 0
        for path in paths:
            b.get(base(d) + path)
            b.wait(lambda: b.find_all("#bar nav a"), path + ": the header is drawn")
            b.wait(lambda: b.driver.execute_script("return document.readyState") == "complete",
                   path + " loaded")
            check(b.find("h1").text.strip(), "%s has a heading", path)
            name = "console-page-" + (path.strip("/").replace("/", "-") or "my-jobs")
            b.screenshot(name)
            check_console(b, path)
            # What the browser fetched for this page, from the appliance only.
            urls = b.driver.execute_script(
                "return [location.href].concat(performance.getEntriesByType('resource')"
                ".map(e => e.name))")
            for u in urls:
                check(u.startswith(base(d)), "%s fetched %s: only this appliance", path, u)
                p = re.sub(r"^https://[^/]+", "", u)
                if p.startswith("/api/") or p in fetched:
                    continue
                fetched.add(p)
        admin = WebClient(d, tls=True)
        admin.login_ok("root", "root-pw")
        for p in sorted(fetched):
            r = admin.get(p)
            check(r.status == 200, "GET %s: %r", p, r)
            total += len(r.body)
        print("    %d console pages, %d files of HTML, CSS, JavaScript and images: %d bytes "
              "uncompressed (limit %d)" % (len(paths), len(fetched), total, UI_LIMIT))
        check(total < UI_LIMIT, "the console weighs %d bytes", total)


@test
def pin_login_in_the_browser(ctx):
    if browser.missing():
        raise dl.Skip(browser.missing())
    d, mfd = setup(ctx)
    with browser.Browser(artifacts(ctx), size=(420, 900)) as b:
        b.get(base(d) + "/login")
        b.wait_visible("#login")
        b.click("#mode")
        b.wait_visible("#pin")
        check(not b.visible("#password"), "the password field gives way to the PIN")
        b.type("#pin", "1234")
        b.click("#submit")
        b.wait_text("#error", "Wrong PIN or card.")
        b.screenshot("console-login-pin-wrong")
        b.type("#pin", "4711")
        b.click("#submit")
        b.wait_path("/")
        b.wait_text("#who-name", "Alice Example (alice)")
        check_console(b, "PIN login", allow=("/api/login", "/api/session"))
        b.click("#logout")
        b.wait_path("/login")
        # An admin's PIN is a user session: My jobs, but no admin page.
        b.click("#mode")
        b.type("#user", "root")
        b.type("#pin", "9090")
        b.click("#submit")
        b.wait_path("/")
        check(not b.find_all('#bar a[href="/admin"]'), "no admin links for a PIN session")
        b.get(base(d) + "/admin/users")
        b.wait_text("#forbidden", "This page is for administrators.")
        b.screenshot("console-admin-by-pin-refused")
        st, body = dl.api(d, "GET", "/api/audit?actor=root")
        check(st == 200 and not any(r["action"] == "POST /api/login" for r in body),
              "an admin's PIN login is no admin login: %r", body)


if __name__ == "__main__":
    dl.run(__doc__, "wc")
