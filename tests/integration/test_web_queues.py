#!/usr/bin/env python3
"""Queues and settings managed from the admin console, against the real quired: through an
admin's web session (with its CSRF token) a queue is added and Get-Printer-Attributes (our
IPP client and ipptool) answers with its info and location at once; a job printed to it is
held and counted; an edit changes printer-info over IPP at once; a queue of the configuration
file can be edited and removed, and says where it comes from; removing a queue with held jobs
is refused (409) unless forced, which cancels them and leaves IPP answering not-found; every
change survives a restart; bad input gets 400 naming the field; a user session gets 403 and
an anonymous client 401 on every call. Settings (session idle timeout, currency, lockout...)
take effect at once (GET /api/session, /api/reports), say where each value comes from, survive
a restart and refuse bad values. DNS-SD: in two network namespaces (netlab.py, as
test_dnssd.py does) the phone's avahi-browse sees a queue added from the console and stops
seeing it once removed.

Run: python3 tests/integration/test_web_queues.py --bin build   (the DNS-SD test needs root)
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
from quiretest import (STATUS_NOT_FOUND, STATUS_OK, check, check_eq, make_pdf,  # noqa: E402
                       run_tests, test)
from webtest import WebClient, add_user  # noqa: E402

CONFIG = """[queue office]
info = Office Printer
location = 2nd floor
"""

NEW_CALLS = [("GET", "/api/queues"), ("POST", "/api/queues"), ("PUT", "/api/queues/office"),
             ("DELETE", "/api/queues/office"), ("GET", "/api/settings"),
             ("PUT", "/api/settings")]


def appliance(ctx, config=CONFIG):
    d = ctx.daemon(config=config)
    add_user(d, "alice", "alice-pw")
    add_user(d, "root", "root-pw", admin=True)
    return d


def admin_of(d):
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    return c


def queues(c):
    r = c.get("/api/queues")
    check_eq(r.status, 200, "GET /api/queues: %r" % r)
    return {q["name"]: q for q in r.json}


def gpa(d, queue, attrs=("printer-info", "printer-location", "printer-name")):
    return d.get_printer_attrs(queue, requested=list(attrs))


def ipptool_gpa(d, queue):
    """printer-info as ipptool reads it (None when ipptool is not installed)."""
    if not shutil.which("ipptool"):
        return None
    r = subprocess.run(["ipptool", "-tv", d.uri(queue), "get-printer-attributes.test"],
                       capture_output=True, text=True, timeout=30)
    check_eq(r.returncode, 0, "ipptool get-printer-attributes %s: %s" % (queue, r.stdout[-600:]))
    for line in r.stdout.splitlines():
        if line.strip().startswith("printer-info "):
            return line.split("=", 1)[1].strip()
    return ""


@test
def add_print_edit_and_remove_a_queue(ctx):
    d = appliance(ctx)
    c = admin_of(d)
    r = c.post("/api/queues", {"name": "lab", "info": "Lab printer", "location": "Room 5",
                               "color": "monochrome", "duplex": "default",
                               "job_expiry_hours": 2, "max_held_per_user": 3})
    check_eq(r.status, 201, "POST /api/queues: %r" % r)
    q = r.json
    check_eq((q["source"], q["info"], q["location"], q["color"], q["duplex"]),
             ("console", "Lab printer", "Room 5", "monochrome", "default"), "answer")
    check_eq((q["job_expiry_seconds"], q["max_held_per_user"]), (7200, 3), "policies")
    check(q["uri"].endswith("/ipp/print/lab"), "IPP URI %s" % q["uri"])
    m = gpa(d, "lab", ("printer-info", "printer-location", "color-supported",
                       "sides-default"))
    check_eq(m.status, STATUS_OK, "Get-Printer-Attributes of the new queue")
    check_eq(m.value("printer-info"), "Lab printer", "printer-info over IPP")
    check_eq(m.value("printer-location"), "Room 5", "printer-location over IPP")
    check_eq(m.value("color-supported"), False, "monochrome queue")
    check_eq(m.value("sides-default"), "two-sided-long-edge", "duplex default")
    info = ipptool_gpa(d, "lab")
    check(info in (None, "Lab printer"), "ipptool printer-info %r" % info)

    r = d.print_job(make_pdf(), user="alice", queue="lab", name="report")
    check_eq(r.status, STATUS_OK, "Print-Job to the new queue")
    check_eq(queues(c)["lab"]["held_jobs"], 1, "held jobs of lab")

    r = c.request("PUT", "/api/queues/lab", json_body={"info": "Lab printer (new)",
                                                       "location": "Room 6"})
    check_eq(r.status, 200, "PUT /api/queues/lab: %r" % r)
    m = gpa(d, "lab")
    check_eq((m.value("printer-info"), m.value("printer-location")),
             ("Lab printer (new)", "Room 6"), "the edit over IPP at once")
    check_eq(ipptool_gpa(d, "lab") in (None, "Lab printer (new)"), True, "ipptool after edit")

    r = c.request("DELETE", "/api/queues/lab")
    check_eq(r.status, 409, "removing a queue with a held job: %r" % r)
    check("force=1" in r.error and "1 held" in r.error, "409 says why and how: %s" % r.error)
    check_eq(gpa(d, "lab").status, STATUS_OK, "the queue is still served")
    r = c.request("DELETE", "/api/queues/lab?force=1")
    check_eq(r.status, 200, "forced removal: %r" % r)
    check_eq((r.json["deleted"], r.json["canceled_jobs"]), ("lab", 1), "forced removal answer")
    check("lab" not in queues(c), "lab is no longer listed")
    check_eq(gpa(d, "lab").status, STATUS_NOT_FOUND, "IPP after removal")
    check_eq(c.request("DELETE", "/api/queues/lab").status, 404, "removing it again")


@test
def config_queues_are_edited_and_removed_and_everything_survives_a_restart(ctx):
    d = appliance(ctx, CONFIG + "\n[queue spare]\ninfo = Spare\n")
    c = admin_of(d)
    qs = queues(c)
    check_eq((qs["office"]["source"], qs["office"]["edited"]), ("config", False), "office")
    r = c.request("PUT", "/api/queues/office", json_body={"info": "Office (edited)",
                                                          "force_mono": True,
                                                          "hide_job_names": True})
    check_eq(r.status, 200, "edit a file queue: %r" % r)
    check_eq((r.json["source"], r.json["edited"], r.json["force_mono"]),
             ("config", True, True), "edited file queue")
    check_eq(c.request("DELETE", "/api/queues/spare").json.get("source"), "config",
             "removing a file queue")
    check_eq(c.post("/api/queues", {"name": "kiosk", "info": "Kiosk"}).status, 201, "add kiosk")
    uuid = queues(c)["kiosk"]["uuid"]

    d.restart()
    c = admin_of(d)
    qs = queues(c)
    check_eq(sorted(qs), ["kiosk", "office"], "queues after a restart")
    check_eq((qs["office"]["info"], qs["office"]["hide_job_names"], qs["office"]["edited"]),
             ("Office (edited)", True, True), "the edit survived")
    check_eq((qs["kiosk"]["source"], qs["kiosk"]["uuid"]), ("console", uuid),
             "the console's queue survived with its UUID")
    check_eq(gpa(d, "kiosk").value("printer-info"), "Kiosk", "kiosk over IPP after restart")
    check_eq(gpa(d, "office").value("printer-info"), "Office (edited)", "office over IPP")
    check_eq(gpa(d, "spare").status, STATUS_NOT_FOUND, "the removed file queue stays removed")
    # adding the removed file queue back from the console
    r = c.post("/api/queues", {"name": "spare", "info": "Spare again"})
    check_eq((r.status, r.json.get("source"), r.json.get("edited")), (201, "config", True),
             "a removed file queue added back: %r" % r)


@test
def bad_queue_input_gets_400_naming_the_field(ctx):
    d = appliance(ctx)
    c = admin_of(d)
    cases = [
        ({"name": "bad name"}, 400, "name"),
        ({"name": "x" * 64}, 400, "name"),
        ({}, 400, "name"),
        ({"name": "q1", "dnssd_name": "d" * 64}, 400, "dnssd_name"),
        ({"name": "q1", "mode": "direct", "device": "nope"}, 400, "no device named 'nope'"),
        ({"name": "q1", "mode": "direct"}, 400, "device"),
        ({"name": "q1", "mode": "sideways"}, 400, "mode"),
        ({"name": "q1", "color": "rainbow"}, 400, "color"),
        ({"name": "q1", "duplex": "sometimes"}, 400, "duplex"),
        ({"name": "q1", "force_mono": "yes"}, 400, "force_mono"),
        ({"name": "q1", "job_expiry_seconds": -5}, 400, "job_expiry_seconds"),
        ({"name": "q1", "max_held_per_user": "3"}, 400, "max_held_per_user"),
        ({"name": "q1", "info": "two\nlines"}, 400, "info"),
        ({"name": "q1", "colour": "auto"}, 400, "unknown field 'colour'"),
        ({"name": "office"}, 409, "already"),
    ]
    for body, status, word in cases:
        r = c.post("/api/queues", body)
        check_eq(r.status, status, "POST %r: %r" % (body, r))
        check(word in (r.error or ""), "POST %r: error %r names %r" % (body, r.error, word))
    check("q1" not in queues(c), "no queue was made by a bad request")
    r = c.request("PUT", "/api/queues/office", json_body={"name": "renamed"})
    check_eq(r.status, 400, "rename: %r" % r)
    r = c.request("PUT", "/api/queues/nosuch", json_body={"info": "x"})
    check_eq(r.status, 404, "edit an unknown queue: %r" % r)
    r = c.request("PUT", "/api/queues/office", raw=b"not json",
                  headers={"Content-Type": "application/json"})
    check_eq(r.status, 400, "edit with a body that is not JSON")
    r = c.request("PUT", "/api/queues/office", json_body={"dnssd_name": "é" * 32})
    check_eq(r.status, 400, "a 64-byte UTF-8 DNS-SD name: %r" % r)
    check_eq(c.request("PUT", "/api/queues/office",
                       json_body={"dnssd_name": "é" * 31}).status, 200, "62 bytes is fine")


@test
def users_get_403_and_anonymous_401_on_every_new_call(ctx):
    d = appliance(ctx)
    anon, user, admin = WebClient(d), WebClient(d), admin_of(d)
    user.login_ok("alice", "alice-pw")
    for method, path in NEW_CALLS:
        body = {} if method in ("POST", "PUT") else None
        check_eq(anon.request(method, path, json_body=body).status, 401, "anonymous %s %s" % (
            method, path))
        r = user.request(method, path, json_body=body)
        check_eq(r.status, 403, "user %s %s" % (method, path))
        if method != "GET":
            r = admin.request(method, path, json_body=body, csrf=False)
            check_eq(r.status, 403, "admin %s %s without the CSRF token" % (method, path))
    check_eq(sorted(queues(admin)), ["office"], "nothing changed")
    st, body = d.api("/api/queues")
    check_eq(st, 200, "the admin bearer token (CLI) still lists the queues")


def setting(c, key):
    r = c.get("/api/settings")
    check_eq(r.status, 200, "GET /api/settings: %r" % r)
    return {s["key"]: s for s in r.json["settings"]}[key]


@test
def settings_apply_at_once_say_their_source_and_survive_a_restart(ctx):
    d = appliance(ctx, CONFIG + "\n[server]\nsession-idle-timeout = 900\n")
    c = admin_of(d)
    s = setting(c, "session_idle_timeout")
    check_eq((s["value"], s["source"], s["file_value"], s["default"]),
             (900, "file", 900, 1800), "session_idle_timeout from the file")
    check_eq(setting(c, "currency")["source"], "default", "currency is the default")
    r = c.request("PUT", "/api/settings", json_body={
        "session_idle_timeout": 600, "currency": "USD", "site": "Head office",
        "lockout_attempts": 3, "dnssd": False, "color_on_mono": False})
    check_eq(r.status, 200, "PUT /api/settings: %r" % r)
    got = {s["key"]: s for s in r.json["settings"]}
    check_eq((got["currency"]["value"], got["currency"]["source"]), ("USD", "console"),
             "currency in the answer")
    session = c.get("/api/session").json
    check_eq((session["idle_timeout"], session["site"]), (600, "Head office"),
             "idle timeout and site name of the session")
    r = c.get("/api/reports?by=user")
    check_eq((r.status, r.json.get("currency")), (200, "USD"), "currency in /api/reports")

    d.restart()
    c = admin_of(d)
    check_eq(c.get("/api/session").json["idle_timeout"], 600, "idle timeout after restart")
    check_eq(c.get("/api/reports?by=user").json["currency"], "USD", "currency after restart")
    s = setting(c, "site")
    check_eq((s["value"], s["source"]), ("Head office", "console"), "site after restart")
    check_eq(setting(c, "lockout_attempts")["value"], 3, "lockout after restart")
    # null forgets the override: back to the file's value
    r = c.request("PUT", "/api/settings", json_body={"session_idle_timeout": None})
    check_eq(r.status, 200, "clear an override: %r" % r)
    s = setting(c, "session_idle_timeout")
    check_eq((s["value"], s["source"]), (900, "file"), "back to the file")
    check_eq(c.get("/api/session").json["idle_timeout"], 900, "session follows at once")


@test
def bad_settings_get_400_naming_the_key(ctx):
    d = appliance(ctx)
    c = admin_of(d)
    cases = [({"no_such_key": 1}, "no_such_key"), ({"currency": "usd"}, "currency"),
             ({"currency": "EURO"}, "currency"), ({"session_idle_timeout": "600"},
                                                  "session_idle_timeout"),
             ({"session_idle_timeout": 5}, "session_idle_timeout"),
             ({"lockout_attempts": -1}, "lockout_attempts"), ({"dnssd": "off"}, "dnssd"),
             ({"site": "a\nb"}, "site"), ({"tls_expiry_warning": 0}, "tls_expiry_warning"),
             ({"currency": "GBP", "release_session_minutes": 0}, "release_session_minutes")]
    for body, word in cases:
        r = c.request("PUT", "/api/settings", json_body=body)
        check_eq(r.status, 400, "PUT %r: %r" % (body, r))
        check(word in (r.error or ""), "PUT %r: error %r names %r" % (body, r.error, word))
    check_eq(setting(c, "currency")["value"], "EUR", "a refused request changed nothing")


# ---- DNS-SD in network namespaces -------------------------------------------------------------

APP_ADDR, PHONE_ADDR = "10.231.9.1", "10.231.9.2"


def wait_for(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.5)
    raise AssertionError("%s: not within %d s" % (what, timeout))


def start_appliance(lab, host, bindir):
    """quired in the appliance namespace with DNS-SD on; returns (port, data dir)."""
    data = os.path.join(host.dir, "data")
    conf = os.path.join(host.dir, "quired.conf")
    with open(conf, "w") as f:
        f.write("[server]\nanalysis = off\n\n" + CONFIG)
    host.popen([os.path.join(bindir, "quired"), "-c", conf, "-d", data, "-p", "8631", "-t",
                "0", "-L", "*"], "quired.log")
    wait_for("quired in the namespace", lambda: os.path.exists(os.path.join(data, "quired.url")),
             15)
    return 8631, data


class TokenClient:
    """The admin API inside a namespace with the bearer token (no session, no CSRF)."""

    def __init__(self, ns, port, data):
        self.ns = ns
        self.port = port
        with open(os.path.join(data, "admin.token")) as f:
            self.token = f.read().strip()

    def request(self, method, path, body=None):
        import http.client
        import json
        with netlab.InNetns(self.ns):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            c.connect()
        try:
            hdrs = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers=hdrs)
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            c.close()


@test
def dnssd_follows_queues_added_and_removed_in_the_console(ctx):
    why = netlab.missing_tools()
    if why:
        ctx.log("SKIP (counted as passed): %s" % why)
        return
    with netlab.Lab("qq") as lab:
        app = lab.host("app", "quire-qapp")
        phone = lab.host("phone", "quire-qphone")
        lab.link(app, APP_ADDR, phone, PHONE_ADDR)
        for h in (app, phone):
            h.start_dbus()
            h.start_avahi()
        port, data = start_appliance(lab, app, ctx.bindir)
        api = TokenClient(app.ns, port, data)

        def names():
            return {s["name"]: s for s in netlab.browse(phone, "_ipp._tcp")}

        wait_for("office advertised", lambda: "Office Printer" in names(), 30)
        st, q = api.request("POST", "/api/queues", {"name": "lab", "info": "Lab printer",
                                                    "dnssd_name": "Console Lab Printer"})
        check_eq(st, 201, "POST /api/queues in the namespace: %r" % (q,))
        s = wait_for("the new queue advertised", lambda: names().get("Console Lab Printer"), 30)
        check_eq((s["address"], s["port"], s["txt"].get("rp")), (APP_ADDR, port, "ipp/print/lab"),
                 "the new queue's service")
        st, _ = api.request("PUT", "/api/queues/lab", {"dnssd_name": "Renamed Lab"})
        check_eq(st, 200, "rename the DNS-SD name")
        wait_for("the renamed service", lambda: "Renamed Lab" in names() and
                 "Console Lab Printer" not in names(), 30)
        st, _ = api.request("DELETE", "/api/queues/lab")
        check_eq(st, 200, "DELETE /api/queues/lab")
        wait_for("the removed queue withdrawn", lambda: (lambda n: "Renamed Lab" not in n and
                                                         "Office Printer" in n)(names()), 30)
        st, _ = api.request("PUT", "/api/settings", {"dnssd": False})
        check_eq(st, 200, "dnssd off")
        wait_for("everything withdrawn with dnssd off", lambda: not names(), 30)


if __name__ == "__main__":
    run_tests(__doc__)
