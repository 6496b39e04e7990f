#!/usr/bin/env python3
"""The release API end to end, against real MFDs (ippeveprinter in a private namespace, see
devlab.py): logins by PIN, card and password with lockout and throttling; a user lists their
held jobs with pages, colour pages, sheets and cost and releases them; the accounting record
written once the device printed matches what was sent; quotas and balances refuse a release
and charge exactly once; nobody sees, releases, deletes or previews another user's job; the
journal verifies and a record edited by hand makes `quire verify-journal` fail at it.

Run: python3 tests/integration/test_release.py --bin build
Last line: "N passed, N failed, N skipped".
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
import quiretest as qt  # noqa: E402

QUEUES = """[security]
lockout-attempts = 3
lockout-minutes = 0
throttle-attempts = 4
throttle-minutes = 1

[accounting]
currency = EUR
color-on-mono = {color_on_mono}
"""


def cli(d, *args, ok=True):
    r = d.cli(*args)
    if ok:
        check(r.returncode == 0, "quire %s: %s %s", " ".join(args), r.stdout, r.stderr)
    return r


def setup(ctx, color_on_mono="yes"):
    """Two MFDs (colour with PDF and duplex, mono raster-only), quired, users and prices."""
    colour = ctx.mfd("ColourPDF", formats=["application/pdf", "image/pwg-raster"], color=True,
                     duplex=True, command="/usr/sbin/ippeveps")
    mono = ctx.mfd("MonoRaster", formats=["image/pwg-raster"], color=False, duplex=False,
                   command="/usr/sbin/ippevepcl")
    d = ctx.daemon(server=QUEUES.format(color_on_mono=color_on_mono))
    dl.add_device(d, "colour", colour)
    dl.add_device(d, "mono", mono)
    cli(d, "user", "add", "alice", "--password", "alice-pw", "--groups", "staff")
    cli(d, "user", "pin", "alice", "--set", "4711")
    cli(d, "user", "card", "alice", "--add", "04:A2:BC:11")
    cli(d, "user", "add", "bob", "--password", "bob-pw", "--groups", "staff")
    cli(d, "user", "pin", "bob", "--set", "5522")
    cli(d, "price", "set", "--mono", "0.10", "--color", "0.50", "--sheet", "0.02",
        "--duplex-discount", "20")
    return d, colour, mono


def call(d, method, path, body=None, token=None):
    """(status, JSON) of a release API call."""
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    data = json.dumps(body).encode() if body is not None else b""
    with qt.HttpConn(d.port) as c:
        r = c.request(method, path, data, headers=hdrs,
                      content_type="application/json" if body is not None else None)
    try:
        return r.status, json.loads(r.body.decode()) if r.body else None
    except (ValueError, UnicodeDecodeError):
        return r.status, r.body


def login(d, **cred):
    st, r = call(d, "POST", "/api/release/login", cred)
    check(st == 200 and r and r.get("token"), "login %r: HTTP %d %r", cred, st, r)
    return r["token"]


def jobs_of(d, token, device=None):
    st, r = call(d, "GET", "/api/release/jobs" + ("?device=" + device if device else ""),
                 token=token)
    check(st == 200, "list: HTTP %d %r", st, r)
    return {j["id"]: j for j in r["jobs"]}


def journal(d):
    r = cli(d, "journal", "--json")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def balance(d, user):
    out = cli(d, "balance", user).stdout
    return out.split("balance ")[1].split()[0]


@test
def logins_lockout_and_throttling(ctx):
    d, _, _ = setup(ctx)
    for cred in ({"pin": "4711"}, {"card": "04a2bc11"}, {"username": "alice", "pin": "4711"},
                 {"username": "alice", "password": "alice-pw"}):
        st, r = call(d, "POST", "/api/release/login", cred)
        check(st == 200 and r["user"]["name"] == "alice", "login %r: %d %r", cred, st, r)
    st, r = call(d, "POST", "/api/release/login", {"username": "alice", "password": "x"})
    check(st == 401 and r["reason"] == "wrong", "wrong password: %d %r", st, r)
    st, r = call(d, "POST", "/api/release/login", {"card": "FFFF"})
    check(st == 401, "unknown card: %d %r", st, r)
    st, r = call(d, "POST", "/api/release/login", {"username": "alice", "pin": "0000"})
    check(st == 401 and "locked" in r["error"], "second failure warns: %r", r)
    st, r = call(d, "POST", "/api/release/login", {"username": "alice", "pin": "0001"})
    check(st == 403 and r["reason"] == "locked", "third failure locks: %d %r", st, r)
    for cred in ({"pin": "4711"}, {"card": "04A2BC11"}):
        st, r = call(d, "POST", "/api/release/login", cred)
        check(st == 403, "locked user with %r: %d %r", cred, st, r)
    check(call(d, "POST", "/api/release/login", {"pin": "5522"})[0] == 200, "bob unaffected")
    cli(d, "user", "unlock", "alice")
    login(d, pin="4711")
    # Unknown PINs typed alone throttle the address (the card above was the first).
    for pin in ("1111", "2222", "3333"):
        call(d, "POST", "/api/release/login", {"pin": pin})
    st, r = call(d, "POST", "/api/release/login", {"pin": "4711"})
    check(st == 429 and r["reason"] == "throttled", "throttled: %d %r", st, r)
    st, r = call(d, "GET", "/api/release/jobs", token="0" * 64)
    check(st == 401, "a made-up token: %d", st)
    tok = dl.api(d, "GET", "/api/status")  # the admin token is no release token
    check(tok[0] == 200, "admin status")
    st, _ = call(d, "GET", "/api/release/jobs", token=d.admin_token())
    check(st == 401, "admin token on the release API: %d", st)


@test
def release_prints_and_accounts_what_was_sent(ctx):
    d, colour, mono = setup(ctx)
    pdf = ctx.doc("colour-set.pdf")     # 8 pages, 4 of them colour
    j1 = dl.submit(d, pdf, user="alice", name="colour-report",
                   job_attrs=[("copies", qt.TAG_INTEGER, 2),
                              ("sides", qt.TAG_KEYWORD, "two-sided-long-edge")])
    j2 = dl.submit(d, pdf, user="alice", name="for-mono")
    token = login(d, pin="4711")
    jobs = jobs_of(d, token, device="colour")
    a = jobs[j1]
    check((a["pages"], a["color_pages"], a["copies"], a["impressions"], a["sheets"],
           a["duplex"], a["mono"]) == (8, 4, 2, 16, 8, True, False), "listed: %r", a)
    # (8 mono + 8 colour impressions, 8 sheets) x 80 %: (0.80 + 4.00 + 0.16) x 0.8 = 3.968
    check(a["cost"] == "3.97" and a["name"] == "colour-report" and a["thumbnail"], "%r", a)
    at_mono = jobs_of(d, token, device="mono")[j1]
    check(at_mono["mono"] and not at_mono["duplex"] and at_mono["sheets"] == 16 and
          at_mono["cost"] == "1.92", "estimate at the mono device: %r", at_mono)
    st, r = call(d, "GET", a["thumbnail"], token=token)
    check(st == 200 and isinstance(r, bytes) and r[:2] == b"\xff\xd8", "thumbnail: %d", st)

    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [j1]}, token=token)
    check(st == 200 and r["released"] == 1 and r["results"][0]["message"] == "Sent to colour.",
          "release: %d %r", st, r)
    dl.wait_job(d, j1, dl.completed, "completed", timeout=120)
    st, r = call(d, "POST", "/api/release", {"device": "mono", "all": True}, token=token)
    check(st == 200 and r["released"] == 1 and r["results"][0]["id"] == j2, "all: %r", r)
    dl.wait_job(d, j2, dl.completed, "completed", timeout=120)

    recs = journal(d)
    check(len(recs) == 2, "journal: %r", recs)
    r1, r2 = recs
    check((r1["job"], r1["user"], r1["device"], r1["pages"], r1["sheets"], r1["color_pages"],
           r1["mono_pages"], r1["copies"], r1["duplex"], r1["cost"]) ==
          (j1, "alice", "colour", 16, 8, 8, 8, 2, True, 3.97), "record 1: %r", r1)
    check((r2["job"], r2["device"], r2["pages"], r2["sheets"], r2["color_pages"],
           r2["mono_pages"], r2["copies"], r2["duplex"], r2["cost"]) ==
          (j2, "mono", 8, 8, 0, 8, 1, False, 0.96), "record 2: %r", r2)
    # What the devices printed agrees with the records.
    printed = dl.mfd_printed(colour)
    check(len(printed) == 1 and dl.sha256_file(dl.kept(colour, ".pdf")[0]) == dl.sha256_file(pdf),
          "colour MFD: %r", printed)
    mono_jobs = dl.mfd_printed(mono)
    check(len(mono_jobs) == 1 and mono_jobs[0]["job-impressions-completed"] == 8,
          "mono MFD: %r", mono_jobs)
    check(balance(d, "alice") == "-4.93", "balance after two jobs: %s", balance(d, "alice"))
    st, h = call(d, "GET", "/api/release/history", token=token)
    check(st == 200 and [p["job"] for p in h["printed"]] == [j2, j1], "history: %r", h)
    rep = json.loads(cli(d, "report", "--by", "user", "--json").stdout)
    check(rep == [{"key": "alice", "jobs": 2, "pages": 24, "sheets": 16, "color_pages": 8,
                   "mono_pages": 16, "cost": 4.93}], "report: %r", rep)
    st, api_rep = dl.api(d, "GET", "/api/reports?by=device")
    check(st == 200 and [(r["key"], r["pages"], r["cost"]) for r in api_rep["rows"]] ==
          [("colour", 16, "3.97"), ("mono", 8, "0.96")], "report API: %d %r", st, api_rep)
    st, recs_api = dl.api(d, "GET", "/api/journal")
    check(st == 200 and [r["job"] for r in recs_api] == [j1, j2], "journal API: %r", recs_api)
    st, r = call(d, "GET", "/api/reports?by=user", token=token)
    check(st in (401, 403), "a release token on the report API: %d", st)

    # The journal verifies; a record edited by hand is found.
    check(cli(d, "verify-journal").returncode == 0, "verify-journal on an intact journal")
    db = sqlite3.connect(os.path.join(d.data_dir, "quire.db"))
    db.executescript("DROP TRIGGER journal_no_update; UPDATE journal SET pages = 2 WHERE seq = 2;")
    db.close()
    r = cli(d, "verify-journal", ok=False)
    check(r.returncode == 1 and "record 2:" in r.stdout and "edited" in r.stdout,
          "verify-journal after an edit: %r", r.stdout)
    st, v = dl.api(d, "GET", "/api/journal/verify")
    check(st == 200 and not v["intact"] and v["first_bad_record"] == 2, "verify API: %r", v)


@test
def quotas_and_balances_refuse_and_charge_once(ctx):
    d, colour, _ = setup(ctx)
    cli(d, "user", "add", "carol", "--password", "c", "--restricted")
    cli(d, "user", "pin", "carol", "--set", "8833")
    cli(d, "balance", "carol", "--set", "2.00")
    pdf = ctx.doc("colour-set.pdf")    # 8 pages, 4 colour: (0.40 + 2.00 + 0.16) = 2.56
    jid = dl.submit(d, pdf, user="carol")
    token = login(d, pin="8833")
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jid]}, token=token)
    check(st == 200 and r["released"] == 0 and "balance of 2.00 EUR" in r["results"][0]["message"],
          "release beyond the balance: %r", r)
    check(dl.job(d, jid)["state"] == 4, "the job is still held")
    cli(d, "balance", "carol", "--add", "1.00")
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jid]}, token=token)
    check(r["released"] == 1, "release after a top-up: %r", r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(balance(d, "carol") == "0.44", "charged once: %s", balance(d, "carol"))
    # A restart re-reads the deliveries: nothing is charged again.
    d.restart()
    check(balance(d, "carol") == "0.44" and len(journal(d)) == 1, "after a restart: %s %r",
          balance(d, "carol"), journal(d))

    # A group quota in pages, shared by alice and bob.
    cli(d, "quota", "set", "group:staff", "--period", "month", "--pages", "10")
    ja = dl.submit(d, pdf, user="alice")
    jb = dl.submit(d, pdf, user="bob")
    ta, tb = login(d, pin="4711"), login(d, pin="5522")
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [ja]}, token=ta)
    check(r["released"] == 1, "alice within the group quota: %r", r)
    dl.wait_job(d, ja, dl.completed, "completed", timeout=120)
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jb]}, token=tb)
    check(r["released"] == 0 and "quota of 10 pages" in r["results"][0]["message"],
          "bob over the group quota: %r", r)
    check(len(dl.mfd_printed(colour)) == 2, "the MFD printed %r", dl.mfd_printed(colour))


@test
def nobody_touches_another_users_jobs(ctx):
    d, colour, _ = setup(ctx)
    pdf = ctx.doc("text.pdf")
    ja = dl.submit(d, pdf, user="alice", name="alice-secret")
    jb = dl.submit(d, pdf, user="bob", name="bob-job")
    tb = login(d, username="bob", password="bob-pw")
    listed = jobs_of(d, tb)
    check(list(listed) == [jb], "bob lists %r", listed)
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [ja]}, token=tb)
    check(st == 200 and r["released"] == 0 and r["results"][0]["message"] == "No such job.",
          "bob releasing alice's job: %r", r)
    check(call(d, "DELETE", "/api/release/jobs/%d" % ja, token=tb)[0] == 404, "bob deletes")
    check(call(d, "GET", "/api/release/jobs/%d/thumbnail" % ja, token=tb)[0] == 404,
          "bob sees alice's thumbnail")
    st, r = call(d, "POST", "/api/release", {"device": "colour", "all": True}, token=tb)
    check([x["id"] for x in r["results"]] == [jb], "'all' is bob's jobs only: %r", r)
    dl.wait_job(d, jb, dl.completed, "completed", timeout=120)
    m = d.job_op(qt.OP_CANCEL_JOB, ja, user="bob", queue="office")
    check(m.status != qt.STATUS_OK, "bob cancels alice's job over IPP: %s", m.status)
    check(dl.job(d, ja)["state"] == 4, "alice's job is untouched")
    check(len(dl.mfd_printed(colour)) == 1, "only bob's job printed")
    ta = login(d, card="04A2BC11")
    st, r = call(d, "DELETE", "/api/release/jobs/%d" % ja, token=ta)
    check(st == 200 and r["deleted"], "alice deletes her job: %d %r", st, r)
    check(call(d, "POST", "/api/release/logout", token=ta)[0] == 200, "logout")
    check(call(d, "GET", "/api/release/jobs", token=ta)[0] == 401, "token after logout")


@test
def refusals_a_terminal_can_show(ctx):
    d, colour, mono = setup(ctx, color_on_mono="no")
    cli(d, "account", "add", "PRJ-1")
    jc = dl.submit(d, ctx.doc("colour-set.pdf"), user="alice")
    token = login(d, pin="4711")
    st, r = call(d, "POST", "/api/release", {"device": "mono", "jobs": [jc]}, token=token)
    check(r["released"] == 0 and "colour pages" in r["results"][0]["message"],
          "colour job on a mono device: %r", r)
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jc],
                                             "account": "NOPE"}, token=token)
    check(r["released"] == 0 and "no account" in r["results"][0]["message"], "account: %r", r)
    st, r = call(d, "POST", "/api/release", {"device": "nowhere", "jobs": [jc]}, token=token)
    check(st == 409 and "no printer" in r["error"], "unknown printer: %d %r", st, r)
    mono.stop(9)
    st, r = call(d, "POST", "/api/release", {"device": "mono", "jobs": [jc]}, token=token)
    check(st == 409 and r.get("error"), "printer gone: %d %r", st, r)
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jc],
                                             "account": "PRJ-1"}, token=token)
    check(r["released"] == 1, "release with an account: %r", r)
    dl.wait_job(d, jc, dl.completed, "completed", timeout=120)
    check(journal(d)[0]["account"] == "PRJ-1", "account recorded: %r", journal(d))
    st, r = call(d, "POST", "/api/release", {"device": "colour", "jobs": [jc]}, token=token)
    check(r["released"] == 0 and "finished" in r["results"][0]["message"], "twice: %r", r)
    rep = json.loads(cli(d, "report", "--by", "account", "--json").stdout)
    check(rep and rep[0]["key"] == "PRJ-1", "report by account: %r", rep)


if __name__ == "__main__":
    dl.run(__doc__, "rl")
