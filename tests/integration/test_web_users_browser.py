#!/usr/bin/env python3
"""The users, prices and quotas pages of the admin console in a real browser (headless
Chromium via Selenium, over HTTPS on loopback): an admin adds a user on the page, resets their
PIN and sees it once (the PIN then logs in at the release API), imports a CSV with a bad line
and sees the line reported, deletes the user with a confirming second click; changes a price in
the price table, reloads and sees the new value (and the API agrees), assigns a device's price
list; sets a quota, tops up a balance in its row and adds an account. No page may log a CSP
violation or a script error. Screenshots go to BUILD/test-artifacts/.

Run: python3 tests/integration/test_web_users_browser.py --bin build
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

from quiretest import check, check_eq, run_tests, test  # noqa: E402
from webtest import WebClient, add_user  # noqa: E402


def artifacts(ctx):
    return os.path.join(ctx.bindir, "test-artifacts")


def appliance(ctx):
    d = ctx.daemon(config="[accounting]\ncurrency = EUR\n")
    add_user(d, "root", "root-pw", admin=True, full_name="Rita Root")
    add_user(d, "alice", "alice-pw", full_name="Alice Example")
    return d


def base(d):
    return "https://127.0.0.1:%d" % d.tls_port


def check_console(b, page, allowed=()):
    """No CSP violation or script error on `page`; `allowed`: texts of expected failures."""
    allowed = tuple(allowed) + (("/api/session", "401"),)
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and
           not any(all(x in m for x in a) for a in allowed)]
    check(not bad, "%s: console errors: %s", page, bad)


def admin_at(b, d, page):
    b.get(base(d) + page)
    b.wait_visible("#login")
    b.type("#user", "root")
    b.type("#password", "root-pw")
    b.click("#submit")
    b.wait_path(page)
    b.wait_text("#who", "Rita Root")


def admin_api(d):
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    return c


@test
def admin_adds_a_user_resets_the_pin_imports_and_deletes(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        admin_at(b, d, "/admin/users")
        b.wait(lambda: b.find_all('#users-body tr[data-user="alice"]'), "alice listed")
        b.type("#u-name", "bob")
        b.type("#u-full", "Bob Browser")
        b.type("#u-groups", "staff, lab")
        b.type("#u-password", "bob-pw")
        b.click("#u-save")
        b.wait_text("#user-done", "Added bob")
        b.wait(lambda: b.find_all('#users-body tr[data-user="bob"]'), "bob listed")
        row = b.text('#users-body tr[data-user="bob"]')
        check("Bob Browser" in row and "lab, staff" in row and "password" in row,
              "bob's row: %r", row)
        b.screenshot("admin-users")
        check_eq(WebClient(d).login("bob", "bob-pw").status, 200, "bob logs in on the web")

        b.click('button.pin[data-user="bob"]')
        b.wait_visible("#pin-shown")
        pin = b.wait(lambda: b.text("#new-pin").strip(), "the new PIN")
        check(len(pin) == 6 and pin.isdigit(), "new PIN shown: %r", pin)
        b.screenshot("admin-users-new-pin")
        r = WebClient(d).request("POST", "/api/release/login", json_body={"pin": pin},
                                 csrf=False)
        check(r.status == 200 and r.json["user"]["name"] == "bob", "the PIN works: %r", r)
        b.click("#pin-hide")
        b.wait(lambda: not b.visible("#pin-shown"), "PIN hidden again")
        check_eq(b.text("#new-pin"), "", "the PIN is gone from the page")

        # Search narrows the list.
        b.type("#user-filter", "brow")
        b.wait(lambda: len(b.find_all("#users-body tr[data-user]")) == 1, "one match")

        csv = os.path.join(d.workdir, "users.csv")
        with open(csv, "w") as f:
            f.write("username,full_name,pin\ncarol,Carol C,6655\nbad name,X,\n")
        b.type("#user-filter", "")
        b.upload("#import-file", csv)
        b.click("#import-go")
        b.wait_text("#import-summary", "1 user(s) imported, 1 line(s) refused")
        b.wait_text("#import-errors-body", "invalid user name")
        check(b.text("#import-errors-body").startswith("3"), "line number: %r",
              b.text("#import-errors-body"))
        b.wait(lambda: b.find_all('#users-body tr[data-user="carol"]'), "carol listed")
        b.driver.execute_script("document.getElementById('import').scrollIntoView()")
        b.screenshot("admin-users-import")

        b.click('button.delete[data-user="bob"]')
        b.wait_text('button.delete[data-user="bob"]', "Really delete")
        check(b.find_all('#users-body tr[data-user="bob"]'), "one click deletes nothing")
        b.click('button.delete[data-user="bob"]')
        b.wait(lambda: not b.find_all('#users-body tr[data-user="bob"]'), "bob gone")
        check_eq(admin_api(d).get("/api/users/bob").status, 404, "bob deleted in the store")
        check_console(b, "users page")


@test
def admin_changes_a_price_and_sees_it_after_a_reload(ctx):
    d = appliance(ctx)
    r = WebClient(d).request("POST", "/api/devices", json_body={
        "name": "colour", "uri": "socket://127.0.0.1:9", "color": True,
        "formats": ["application/pdf"]}, headers={"Authorization": "Bearer " + d.admin_token()})
    check_eq(r.status, 201, "device added: %r" % r)
    with browser.Browser(artifacts(ctx)) as b:
        admin_at(b, d, "/admin/prices")
        b.wait_text("#prices-body", "No prices yet")
        b.type("#pa-mono", "0.10")
        b.type("#pa-color", "0.50")
        b.click("#pa-save")
        b.wait_visible("#price-default-any-mono")
        check_eq(b.find("#price-default-any-color").get_attribute("value"), "0.50",
                 "colour price in the table")
        b.type("#price-default-any-mono", "0.25")
        b.click("#save-default-any")
        b.wait_text("#prices-done", "Saved")
        b.get(base(d) + "/admin/prices")
        b.wait_visible("#price-default-any-mono")
        b.wait(lambda: b.find("#price-default-any-mono").get_attribute("value") == "0.25",
               "the new price after a reload")
        check_eq(b.find('input[data-list="default"][data-media="any"][data-field="color"]')
                 .get_attribute("value"), "0.50", "the colour price kept")
        b.type("#price-default-any-mono", "cheap")
        b.click("#save-default-any")
        b.wait_text("#prices-error", "not an amount")
        b.wait_visible("#list-colour")
        b.type("#list-colour", "fancy")
        b.click("#assign-colour")
        b.wait_text("#prices-done", "colour now charges with list fancy")
        b.screenshot("admin-prices")
        check_console(b, "prices page", allowed=[("/api/prices/default/any", "400")])
    j = admin_api(d).get("/api/prices").json
    check_eq(j["lists"], [{"name": "default", "prices": [
        {"media": "any", "mono": "0.25", "color": "0.50", "sheet": "0.00",
         "duplex_discount": 0}]}], "prices in the API")
    check_eq(j["devices"], [{"name": "colour", "price_list": "fancy"}], "device list")


@test
def admin_sets_a_quota_tops_up_and_adds_an_account(ctx):
    d = appliance(ctx)
    with browser.Browser(artifacts(ctx)) as b:
        admin_at(b, d, "/admin/quotas")
        b.wait(lambda: b.find_all('#balances-body tr[data-user="alice"]'), "alice's balance")
        b.type("#q-subject", "alice")
        b.type("#q-amount", "50")
        b.click("#q-save")
        b.wait_text("#quotas-body", "user alice")
        check("50 pages" in b.text("#quotas-body"), "quota row: %r", b.text("#quotas-body"))
        b.type("#topup-alice", "5.00")
        b.click("#topup-go-alice")
        b.wait_text("#balance-done", "alice: balance 5.00")
        b.wait_text('#balances-body tr[data-user="alice"]', "5.00")
        b.type("#a-name", "proj-x")
        b.type("#a-description", "Project X")
        b.click("#a-save")
        b.wait_text("#accounts-body", "Project X")
        b.screenshot("admin-quotas")
        check_console(b, "quotas page")
    st = WebClient(d).request("POST", "/api/release/login",
                              json_body={"username": "alice", "password": "alice-pw"},
                              csrf=False)
    check_eq(st.json["user"]["balance"], "5.00", "the top-up at the release login")
    q = admin_api(d).get("/api/quotas").json["quotas"]
    check_eq([(x["subject"], x["period"], x["amount"]) for x in q], [("alice", "month", "50")],
             "quota in the API")


if __name__ == "__main__":
    if browser.missing():
        print("SKIP: " + browser.missing())
        print("0 passed, 0 failed, 3 skipped")
        sys.exit(0)
    run_tests(__doc__)
