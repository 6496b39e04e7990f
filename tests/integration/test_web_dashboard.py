#!/usr/bin/env python3
"""The admin dashboard and the devices page, end to end against ippeveprinter MFDs in a private
network namespace (mfdlab.py, devlab.py):

- GET /api/status keeps its fields and adds today's figures: a job submitted and released
  counts as received today, then as one printed job with its pages (colour pages too) from
  the journal; spool use and the data disk's free space; devices total and ready.
- A stopped (SIGSTOP) or killed MFD becomes an error alert naming the device; it clears when
  the device comes back.
- POST /api/devices/NAME/test-page: 202 with the job and its delivery; the test page reaches
  the MFD as a valid one-page PDF (or as PWG raster on a raster-only grey device) and is
  recorded in the journal for the admin, account "test-page". An unknown device is 404, a
  stopped one 409. Anonymous 401, a user's session 403, an admin's cookie without the CSRF
  token 403; the devices API takes an admin's session too.
- In headless Chromium: the admin sees the device's live state on /admin, stops the MFD and
  sees it unreachable without reloading; on /admin/devices adds a device by URI and sees what
  it reported (colour, formats) in the list, prints a test page and sees it done; a device
  that does not answer shows the API's reason; a device is removed after a confirmation.
  Screenshots in BUILD/test-artifacts/.

Run (as root): python3 tests/integration/test_web_dashboard.py --bin build
Last line: "N passed, N failed, N skipped".
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

if __name__ == "__main__":
    browser.ensure_selenium()

import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
import quiretest as qt  # noqa: E402
from webtest import WebClient, add_user, wait_until  # noqa: E402

OLD_STATUS_FIELDS = ["version", "uptime", "queues", "port", "data_dir", "jobs", "spool_bytes",
                     "dnssd", "alerts"]


def appliance(ctx, **kw):
    d = ctx.daemon(**kw)
    add_user(d, "alice", "alice-pw")
    add_user(d, "root", "root-pw", admin=True)
    return d


def admin_client(d):
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    return c


def status(d):
    st, s = dl.api(d, "GET", "/api/status")
    check(st == 200, "GET /api/status: %d %r", st, s)
    return s


def ready(dev):
    return dev["status"]["can_release"]


def device_alerts(s, name):
    return [a for a in s["alerts"] if a.get("source") == "device" and a.get("device") == name]


def wait_status(d, pred, what, timeout=30):
    s = wait_until(lambda: pred(status(d)) and status(d), timeout, 0.3)
    if not s:
        raise qt.TestFailure("/api/status: %s not seen in %d s (last %r)" % (
            what, timeout, status(d)))
    return s


def journal_records(d):
    st, r = dl.api(d, "GET", "/api/journal")
    check(st == 200 and isinstance(r, list), "GET /api/journal: %d %r", st, r)
    return r


def pdf_pages(path):
    """Pages of a PDF: pdfinfo when installed, else the page objects in the file (cairo writes
    its page dictionaries uncompressed)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data.startswith(b"%PDF-") and b"%%EOF" in data[-64:], "%s is not a whole PDF", path)
    try:
        r = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=30)
        m = re.search(r"^Pages:\s+(\d+)", r.stdout, re.M)
        if r.returncode == 0 and m:
            return int(m.group(1))
    except FileNotFoundError:
        pass
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


@test
def status_counts_todays_jobs_and_pages(ctx):
    mfd = ctx.mfd("Colour", formats=["application/pdf", "image/pwg-raster"], color=True)
    d = appliance(ctx)
    dl.add_device(d, "colour", mfd)
    dl.wait_device(d, "colour", ready, "ready")
    before = status(d)
    for k in OLD_STATUS_FIELDS:
        check(k in before, "status keeps %s: %r", k, before)
    t0 = before["today"]
    check(before["spool_free_bytes"] > 0, "free bytes: %r", before["spool_free_bytes"])
    df = os.statvfs(os.path.join(d.data_dir, "spool"))
    check(abs(before["spool_free_bytes"] - df.f_bavail * df.f_frsize) < 256 * 1024 * 1024,
          "free bytes %d vs statvfs %d", before["spool_free_bytes"], df.f_bavail * df.f_frsize)
    check(before["devices"] == {"total": 1, "ready": 1}, "devices: %r", before["devices"])
    jid = dl.submit(d, ctx.doc("colour-set.pdf"))
    j = dl.job(d, jid)
    mid = status(d)
    check(mid["today"]["received"] == t0["received"] + 1, "received: %r", mid["today"])
    check(mid["today"]["held"] == t0["held"] + 1, "held today: %r", mid["today"])
    check(mid["jobs"]["held"] == before["jobs"]["held"] + 1, "held now: %r", mid["jobs"])
    check(mid["spool_bytes"] > before["spool_bytes"], "spool grew: %r", mid["spool_bytes"])
    st, r = dl.release(d, jid, "colour")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "printed")
    after = wait_status(d, lambda s: s["today"]["printed_jobs"] == t0["printed_jobs"] + 1,
                        "one more printed job")
    t1 = after["today"]
    check(t1["pages"] == t0["pages"] + j["pages"], "pages %r + %d", t1, j["pages"])
    check(t1["color_pages"] == t0["color_pages"] + j["color_pages"] and j["color_pages"] > 0,
          "colour pages %r + %d", t1, j["color_pages"])
    check(t1["mono_pages"] == t1["pages"] - t1["color_pages"], "grey pages: %r", t1)
    check(t1["held"] == t0["held"] and t1["received"] == t0["received"] + 1,
          "released job no longer held: %r", t1)
    check(not device_alerts(after, "colour"), "no alert for a ready device: %r", after["alerts"])


@test
def stopped_or_killed_device_is_an_alert(ctx):
    mfd = ctx.mfd("Front", formats=["application/pdf"], color=False)
    d = appliance(ctx)
    dl.add_device(d, "front", mfd)
    dl.wait_device(d, "front", ready, "ready")
    os.kill(mfd.proc.pid, signal.SIGSTOP)
    try:
        s = wait_status(d, lambda s: device_alerts(s, "front"), "an alert for front")
        a = device_alerts(s, "front")[0]
        check(a["level"] == "error" and "front" in a["message"], "alert: %r", a)
        check(s["devices"] == {"total": 1, "ready": 0}, "nothing ready: %r", s["devices"])
    finally:
        os.kill(mfd.proc.pid, signal.SIGCONT)
    wait_status(d, lambda s: not device_alerts(s, "front"), "the alert gone after SIGCONT")
    mfd.stop(signal.SIGKILL)
    s = wait_status(d, lambda s: device_alerts(s, "front"), "an alert for the killed device")
    check("front" in device_alerts(s, "front")[0]["message"], "alert: %r", s["alerts"])
    c = admin_client(d)
    r = c.post("/api/devices/front/test-page")
    check(r.status == 409 and r.error, "test page on a dead device: %r", r)
    check(not [j for j in d.api_jobs() if j["owner"] == "root"], "no job left behind")


@test
def test_page_reaches_the_device(ctx):
    colour = ctx.mfd("Colour", formats=["application/pdf", "image/pwg-raster"], color=True)
    grey = ctx.mfd("Grey", formats=["image/pwg-raster"], color=False, duplex=False)
    d = appliance(ctx)
    dl.add_device(d, "colour", colour)
    dl.add_device(d, "grey", grey)
    dl.wait_device(d, "colour", ready, "ready")
    dl.wait_device(d, "grey", ready, "ready")
    t0 = status(d)["today"]
    c = admin_client(d)
    r = c.post("/api/devices/colour/test-page")
    check(r.status == 202, "test page: %r", r)
    body = r.json
    check(body["device"] == "colour" and body["job"] > 0, "answer: %r", body)
    check(body["delivery"]["job"] == body["job"] and body["delivery"]["device"] == "colour" and
          body["delivery"]["account"] == "test-page", "delivery: %r", body["delivery"])
    dl.wait_job(d, body["job"], dl.completed, "test page printed")
    dls = dl.deliveries(d, body["job"])
    check(dls[-1]["state"] == "done" and dls[-1]["format"] == "application/pdf",
          "delivery: %r", dls)
    pdfs = dl.kept(colour, ".pdf")
    check(len(pdfs) == 1, "the MFD kept one PDF: %r", colour.received())
    check(pdf_pages(pdfs[0]) == 1, "one page: %d", pdf_pages(pdfs[0]))
    j = dl.job(d, body["job"])
    check(j["owner"] == "root" and j["pages"] == 1 and j["color_pages"] == 1, "job: %r", j)
    rec = [x for x in journal_records(d) if x["job"] == body["job"]]
    check(len(rec) == 1 and rec[0]["user"] == "root" and rec[0]["account"] == "test-page" and
          rec[0]["pages"] == 1, "journal: %r", rec)
    s = wait_status(d, lambda s: s["today"]["printed_jobs"] == t0["printed_jobs"] + 1, "counted")
    check(s["today"]["pages"] == t0["pages"] + 1, "one page today: %r", s["today"])
    # A grey raster-only device gets it as PWG raster, one page, not in colour.
    st, r2 = dl.api(d, "POST", "/api/devices/grey/test-page", {})
    check(st == 202, "test page on grey (admin token): %d %r", st, r2)
    dl.wait_job(d, r2["job"], dl.completed, "grey test page printed", timeout=120)
    check(dl.deliveries(d, r2["job"])[-1]["format"] == "image/pwg-raster", "sent as raster")
    pwgs = dl.kept(grey, ".pwg")
    check(len(pwgs) == 1, "the grey MFD kept one raster: %r", grey.received())
    check(len(dl.raster_pages(ctx, pwgs[0])) == 1, "one raster page")
    check(dl.job(d, r2["job"])["color_pages"] == 0, "no colour page on grey")
    st, r3 = dl.api(d, "POST", "/api/devices/nosuch/test-page", {})
    check(st == 404 and "nosuch" in r3["error"], "unknown device: %d %r", st, r3)


@test
def new_calls_refuse_anonymous_users_and_missing_csrf(ctx):
    mfd = ctx.mfd("Colour", formats=["application/pdf"], color=True)
    d = appliance(ctx)
    dl.add_device(d, "colour", mfd)
    anon, user, admin = WebClient(d), WebClient(d), admin_client(d)
    user.login_ok("alice", "alice-pw")
    path = "/api/devices/colour/test-page"
    check(anon.post(path).status == 401, "anonymous: %r", anon.last)
    check(user.post(path).status == 403, "user session: %r", user.last)
    r = admin.post(path, csrf=False)
    check(r.status == 403, "admin cookie without CSRF: %r", r)
    r = admin.post(path, csrf="A" * 43)
    check(r.status == 403, "admin cookie with a wrong CSRF token: %r", r)
    r = admin.post(path, origin="https://evil.example")
    check(r.status == 403, "cross-site: %r", r)
    check(not d.api_jobs(), "no job made by a refused call: %r", d.api_jobs())
    for p in ("/api/devices", "/api/devices/colour", "/api/status"):
        check(anon.get(p).status == 401, "anonymous GET %s", p)
        check(user.get(p).status == 403, "user GET %s", p)
        check(admin.get(p).status == 200, "admin session GET %s: %r", p, admin.last)
    r = user.request("DELETE", "/api/devices/colour")
    check(r.status == 403, "user DELETE: %r", r)
    check(admin.post(path).status == 202, "admin with CSRF: %r", admin.last)


# ---- in a browser --------------------------------------------------------------------------

def check_console(b, page, allow=()):
    bad = [m for lvl, m in b.console() if lvl == "SEVERE" and not any(a in m for a in allow)]
    check(not bad, "%s: console errors: %s", page, bad)


@test
def admin_watches_devices_and_prints_a_test_page_in_a_browser(ctx):
    why = browser.missing()
    if why:
        raise dl.Skip(why)
    front = ctx.mfd("Front", formats=["application/pdf"], color=False, duplex=False)
    back = ctx.mfd("Back", formats=["application/pdf", "image/pwg-raster"], color=True,
                   duplex=True)
    d = appliance(ctx)
    dl.add_device(d, "front", front)
    dl.wait_device(d, "front", ready, "ready")
    artifacts = os.path.join(ctx.bindir, "test-artifacts")
    base = "https://127.0.0.1:%d" % d.tls_port
    with browser.Browser(artifacts, size=(1400, 1000)) as b:
        b.get(base + "/admin")
        b.wait_visible("#login")
        b.type("#user", "root")
        b.type("#password", "root-pw")
        b.click("#submit")
        b.wait_path("/admin")
        state = 'tr[data-device="front"] td.state'
        b.wait_text(state, "idle")
        b.wait_text("#devices-ready", "1 / 1")
        b.wait_text("#alerts", "No alerts")
        check(b.text("#printed-today") == "0", "printed today: %s", b.text("#printed-today"))
        check("free" in b.text("#spool-free"), "spool free: %s", b.text("#spool-free"))
        check("office" in b.text("#queues"), "queues: %s", b.text("#queues"))
        check(b.text("#held-now") == "0", "held now: %s", b.text("#held-now"))
        marker = b.find_all('tr[data-device="front"] meter')
        check(marker, "supply bars for front")
        b.screenshot("admin-dashboard")
        check_console(b, "dashboard", allow=("/api/session",))
        page_id = b.driver.execute_script("return window.performance.timeOrigin")
        t0 = time.monotonic()
        front.stop(signal.SIGKILL)
        b.wait_text(state, "unreachable", timeout=20)
        b.wait_visible('#alerts li[data-device="front"]')
        check(b.driver.execute_script("return window.performance.timeOrigin") == page_id,
              "the page was not reloaded")
        print("    dashboard showed front unreachable after %.1f s" % (time.monotonic() - t0))
        b.wait_text("#devices-ready", "0 / 1")
        b.screenshot("admin-dashboard-alert")
        check_console(b, "dashboard after the device died")

        b.get(base + "/admin/devices")
        b.wait_text('#device-list tr[data-device="front"] td.state', "unreachable")
        # A device that does not answer: the API's reason.
        b.type("#dev-name", "ghost")
        b.type("#dev-uri", "ipp://127.0.0.1:%d/ipp/print" % qt.free_port())
        b.click("#dev-add")
        b.wait_text("#add-error", "did not answer")
        check(not b.find_all('tr[data-device="ghost"]'), "ghost not listed")
        b.screenshot("admin-devices-unreachable")
        check_console(b, "devices page, refused add", allow=("/api/devices",))
        # A real one: its discovered capabilities.
        b.type("#dev-name", "back")
        b.type("#dev-uri", back.uri)
        b.type("#dev-location", "Back office")
        b.click("#dev-add")
        b.wait_text("#add-done", "Added back")
        b.wait_text('#discovered dd[data-fact="colour"]', "yes")
        b.wait_text('#discovered dd[data-fact="formats"]', "pdf")
        row = 'tr[data-device="back"]'
        b.wait_text(row + " td.state", "idle")
        cells = [td.text for td in b.find_all(row + " td")]
        check(cells[0] == "back" and cells[1] == back.uri and cells[2] == "Back office",
              "row: %r", cells)
        check("pdf" in cells[4] and "pwg-raster" in cells[4], "formats: %r", cells[4])
        check(cells[5] == "colour" and cells[6] == "yes", "colour and duplex: %r", cells)
        b.screenshot("admin-devices")
        b.click(row + ' button[data-act="test-page"]')
        b.wait_text("#test-state", "done", timeout=60)
        check(len(dl.kept(back, ".pdf")) == 1, "the test page reached Back: %r", back.received())
        b.screenshot("admin-devices-test-page")
        b.click(row + ' button[data-act="refresh"]')
        b.wait(lambda: not b.find(row + ' button[data-act="refresh"]').get_attribute("disabled"),
               "refresh done")
        # Remove front, with the confirmation.
        rm = 'tr[data-device="front"] button[data-act="remove"]'
        b.click(rm)
        b.wait_text(rm, "Really remove")
        check(b.find_all('tr[data-device="front"]'), "still there before the confirmation")
        b.click(rm)
        b.wait(lambda: not b.find_all('tr[data-device="front"]'), "front removed")
        st, _ = dl.api(d, "GET", "/api/devices/front")
        check(st == 404, "front is gone from the API: %d", st)
        check_console(b, "devices page")
        # Both pages on a phone: no sideways scrolling of the page itself.
        b.resize(390, 844)
        for path, shot in (("/admin", "admin-dashboard-phone"),
                           ("/admin/devices", "admin-devices-phone")):
            b.get(base + path)
            b.wait_text('tr[data-device="back"] td.state', "idle")
            width = b.driver.execute_script("return document.documentElement.scrollWidth")
            inner = b.driver.execute_script("return window.innerWidth")
            check(width <= inner, "%s on a phone: %d > %d", path, width, inner)
            b.screenshot(shot)


if __name__ == "__main__":
    dl.run(__doc__, "wd")
