#!/usr/bin/env python3
"""Queue policies against the real quired: at most N held jobs per user (refused before the
upload with a readable message), unreleased jobs deleted after job-expiry (files too, logged),
job names hidden in lists, and the lockout of HTTP Basic logins after wrong passwords.

Run: python3 tests/integration/test_policies.py --bin build
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

POLICIES = """[server]
log-level = debug

[security]
lockout-attempts = 3
lockout-minutes = 0

[queue limited]
max-held-jobs-per-user = 2
job-expiry = 0

[queue short]
job-expiry = 2s

[queue private]
hide-job-names = yes
auth = basic
"""


@test
def max_held_jobs_per_user(ctx):
    d = ctx.daemon(config=POLICIES)
    for i in range(2):
        check_status(d.print_job(make_pdf(900, seed=i), user="ann", queue="limited"), STATUS_OK,
                     "job %d of ann" % (i + 1))
    m = d.print_job(make_pdf(900, seed=9), user="ann", queue="limited")
    check_status(m, STATUS_NOT_POSSIBLE, "third job of ann")
    check("already have 2 jobs" in (m.status_message() or ""), "message: %r", m.status_message())
    m = d.create_job(user="ann", queue="limited")
    check_status(m, STATUS_NOT_POSSIBLE, "Create-Job over the limit")
    check_status(d.print_job(make_pdf(900, seed=3), user="bob", queue="limited"), STATUS_OK,
                 "bob is not limited by ann's jobs")
    check_eq(len([j for j in d.api_jobs("all", queue="limited") if j["owner"] == "ann"]), 2,
             "ann's stored jobs")
    # Once ann cancels one, she may send another.
    jid = d.api_jobs("all", queue="limited")[0]["id"]
    check_status(d.job_op(OP_CANCEL_JOB, jid, user="ann", queue="limited"), STATUS_OK, "cancel")
    check_status(d.print_job(make_pdf(900, seed=4), user="ann", queue="limited"), STATUS_OK,
                 "ann after canceling one")


@test
def unreleased_jobs_expire(ctx):
    d = ctx.daemon(config=POLICIES)
    m = d.print_job(make_pdf(1200, seed=5), user="ann", queue="short")
    check_status(m, STATUS_OK, "Print-Job on the expiring queue")
    jid = m.jobs()[0]["job-id"].value
    keep = d.print_job(make_pdf(1200, seed=6), user="ann", queue="limited")
    check_status(keep, STATUS_OK, "Print-Job on a queue without expiry")
    check(any(f for f in d.spool_files()), "no document in the spool")
    deadline = time.monotonic() + 30   # housekeeping runs every 10 s
    while time.monotonic() < deadline and d.api_job(jid) is not None:
        time.sleep(0.5)
    check(d.api_job(jid) is None, "job %d still there after its expiry", jid)
    check("not released within 2 s (job-expiry), deleted" in d.log_text(), "no log line")
    names = [j["id"] for j in d.api_jobs("all")]
    check_eq(names, [keep.jobs()[0]["job-id"].value], "jobs left")
    check_eq(len(d.spool_files()), 1, "documents left in the spool")


@test
def job_names_hidden_in_lists(ctx):
    d = ctx.daemon(config=POLICIES)
    user_add = d.cli("user", "add", "carol", "--password", "pw-carol")
    check_eq(user_add.returncode, 0, "user add: %s" % user_add.stderr)
    m = d.print_job(make_pdf(900), user="x", queue="private", name="salary-review.pdf",
                    auth=("carol", "pw-carol"))
    check_status(m, STATUS_OK, "Print-Job")
    jid = m.jobs()[0]["job-id"].value
    j = d.api_job(jid)
    check_eq(j["name"], "Job %d" % jid, "name in the admin list")
    r = d.cli("jobs")
    check("salary-review" not in r.stdout and ("Job %d" % jid) in r.stdout,
          "quire jobs shows: %r", r.stdout)
    # The owner still sees their own job's name over IPP.
    m = d.get_job_attrs(jid, user="carol", queue="private", auth=("carol", "pw-carol"),
                        requested=["job-name"])
    check_eq(m.jobs()[0]["job-name"].value, "salary-review.pdf", "job-name for the owner")


@test
def basic_auth_lockout(ctx):
    d = ctx.daemon(config=POLICIES)
    check_eq(d.cli("user", "add", "dan", "--password", "right").returncode, 0, "user add")
    ok = d.print_job(make_pdf(700), queue="private", auth=("dan", "right"))
    check_status(ok, STATUS_OK, "right password")
    for i in range(3):
        r = post_raw(d.port, encode(ipp_request(OP_PRINT_JOB, d.uri("private"), "dan",
                                                data=make_pdf(700))),
                     d.path("private"), auth=("dan", "wrong"))
        check_eq(r.status, 401, "wrong password %d" % (i + 1))
    r = post_raw(d.port, encode(ipp_request(OP_PRINT_JOB, d.uri("private"), "dan",
                                            data=make_pdf(700))),
                 d.path("private"), auth=("dan", "right"))
    check_eq(r.status, 401, "right password while locked")
    check("locked" in d.log_text(), "no lock in the log")
    out = d.cli("user", "show", "dan", "--json").stdout
    check('"locked": true' in out, "quire user show: %r", out)
    check_eq(d.cli("user", "unlock", "dan").returncode, 0, "unlock")
    check_status(d.print_job(make_pdf(700), queue="private", auth=("dan", "right")), STATUS_OK,
                 "right password after the unlock")


if __name__ == "__main__":
    run_tests(__doc__)
