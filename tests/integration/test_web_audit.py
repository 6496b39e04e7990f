#!/usr/bin/env python3
"""The audit log of admin actions, against the real quired over loopback: an admin's changes
in the console (session) and with the `quire` CLI (bearer token) are recorded with who, from
where, what, on what and the result, refused changes too; secrets in the request (passwords,
PINs, private keys) never reach the log; a user's own actions and reads are not recorded; only
admins may read the log (a user session gets 403, nobody 401); filtering by administrator and
paging work; the log survives a restart. Reports export as CSV with the same figures as JSON.

Run: python3 tests/integration/test_web_audit.py --bin build
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import check, check_eq, run_tests, test  # noqa: E402
from webtest import WebClient, add_user  # noqa: E402


def appliance(ctx):
    d = ctx.daemon()
    add_user(d, "alice", "alice-pw")
    add_user(d, "root", "root-pw", admin=True)
    user, admin = WebClient(d), WebClient(d)
    user.login_ok("alice", "alice-pw")
    admin.login_ok("root", "root-pw")
    return d, user, admin


def audit(client, query=""):
    r = client.get("/api/audit" + query)
    check_eq(r.status, 200, "GET /api/audit%s: %r" % (query, r))
    return r.json


def find(recs, action):
    return [r for r in recs if r["action"] == action]


@test
def admin_changes_are_recorded_with_who_what_and_result(ctx):
    d, user, admin = appliance(ctx)
    r = admin.post("/api/devices", {"name": "floor1", "uri": "socket://127.0.0.1:9",
                                    "location": "Floor 1", "probe": False})
    check_eq(r.status, 201, "add a device: %r" % r)
    r = admin.post("/api/devices", {"name": "bad name!", "uri": "socket://127.0.0.1:9"})
    check_eq(r.status, 400, "a bad device name is refused")
    recs = audit(admin)
    added = find(recs, "POST /api/devices")
    check_eq(len(added), 2, "both tries are in the log: %r" % recs)
    newest, older = added
    check_eq(older["actor"], "root", "who")
    check_eq(older["remote"], "127.0.0.1", "from where")
    check_eq(older["target"], "floor1", "on what (the name in the body)")
    check_eq(older["status"], 201, "the result")
    check_eq(json.loads(older["detail"]).get("location"), "Floor 1", "the parameters")
    check_eq(newest["status"], 400, "the refused change is recorded with its status")
    check(newest["id"] > older["id"], "newest first")
    logins = find(recs, "POST /api/login")
    check(any(x["actor"] == "root" and x["status"] == 200 for x in logins),
          "the admin's login is recorded: %r", logins)
    r = admin.request("DELETE", "/api/devices/floor1")
    check_eq(r.status, 200, "delete the device")
    rec = audit(admin)[0]
    check_eq((rec["action"], rec["target"]), ("DELETE /api/devices/floor1", "floor1"),
             "the path names the target")


@test
def secrets_never_reach_the_log(ctx):
    d, user, admin = appliance(ctx)
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    r = admin.request("PUT", "/api/tls/certificate",
                      json_body={"certificate": "not a certificate", "key": key})
    check_eq(r.status, 400, "a broken certificate is refused: %r" % r)
    r = admin.post("/api/devices", {"name": "p2", "uri": "socket://127.0.0.1:9", "probe": False,
                                    "password": "hunter2", "extra": {"pin": "4711"}})
    recs = audit(admin)
    text = repr(recs)
    for secret in ("BEGIN PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "hunter2", "4711",
                   "root-pw"):
        check(secret not in text, "%r is not in the audit log", secret)
    cert = find(recs, "PUT /api/tls/certificate")[0]
    check_eq(json.loads(cert["detail"]).get("key"), "(hidden)", "the key is replaced")
    check_eq(cert["status"], 400, "the refusal is recorded")


@test
def users_and_reads_are_not_recorded_and_only_admins_read(ctx):
    d, user, admin = appliance(ctx)
    before = len(audit(admin))
    user.get("/api/session")
    check_eq(user.post("/api/devices", {"name": "x", "uri": "socket://127.0.0.1:9"}).status,
             403, "a user cannot add a device")
    admin.get("/api/devices")
    user.logout()
    check_eq(len(audit(admin)), before, "a user's calls and an admin's reads add nothing")
    user2 = WebClient(d)
    user2.login_ok("alice", "alice-pw")
    r = user2.get("/api/audit")
    check_eq(r.status, 403, "a user session cannot read the log")
    check_eq(WebClient(d).get("/api/audit").status, 401, "nobody cannot read it")


@test
def cli_actions_are_recorded_as_the_admin_token(ctx):
    d, user, admin = appliance(ctx)
    r = d.cli("device-add", "floor2", "socket://127.0.0.1:9", "--no-probe")
    check_eq(r.returncode, 0, "quire device-add: %s %s" % (r.stdout, r.stderr))
    rec = find(audit(admin), "POST /api/devices")[0]
    check_eq((rec["actor"], rec["target"], rec["status"]), ("admin-token", "floor2", 201),
             "the CLI's change: %r" % rec)
    st, body = d.api("/api/audit?actor=admin-token")
    check_eq(st, 200, "the admin token reads the log")


@test
def filter_paging_and_restart(ctx):
    d, user, admin = appliance(ctx)
    for i in range(5):
        r = admin.post("/api/devices", {"name": "d%d" % i, "uri": "socket://127.0.0.1:9",
                                        "probe": False})
        check_eq(r.status, 201, "device d%d" % i)
    page1 = audit(admin, "?limit=2&actor=root")
    check_eq(len(page1), 2, "a page of two")
    page2 = audit(admin, "?limit=2&actor=root&before=%d" % page1[-1]["id"])
    check_eq(len(page2), 2, "the next page")
    check(page2[0]["id"] < page1[-1]["id"], "older on the next page")
    check(all(r["actor"] == "root" for r in page1 + page2), "only root's")
    check_eq(audit(admin, "?actor=nobody"), [], "an unknown actor has no entries")
    total = len(audit(admin, "?limit=1000"))
    d.restart()
    admin2 = WebClient(d)
    admin2.login_ok("root", "root-pw")
    check_eq(len(audit(admin2, "?limit=1000")), total + 1, "kept across a restart (+1 login)")


@test
def report_csv_matches_json(ctx):
    d, user, admin = appliance(ctx)
    r = admin.get("/api/reports?by=user&format=csv")
    check_eq(r.status, 200, "CSV report")
    check(r.header("Content-Type", "").startswith("text/csv"), "CSV type: %r", r)
    check("attachment" in r.header("Content-Disposition", ""), "a download")
    rows = list(csv.reader(io.StringIO(r.body.decode())))
    check_eq(rows[0], ["user", "jobs", "pages", "sheets", "color_pages", "mono_pages", "cost"],
             "header line")
    js = admin.get("/api/reports?by=user").json["rows"]
    check_eq(len(rows) - 1, len(js), "as many rows as the JSON report")
    check_eq(admin.get("/api/reports?by=user&format=xml").status, 400, "an unknown format")
    check_eq(user.get("/api/reports?by=user&format=csv").status, 403, "users get no report")


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
