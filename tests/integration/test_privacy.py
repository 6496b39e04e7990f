#!/usr/bin/env python3
"""Privacy and authentication against the real quired: users see only their own job details,
cannot cancel others' jobs, HTTP Basic on auth=basic queues decides the owner, admins see all.

Run: python3 tests/integration/test_privacy.py --bin /work/main/build
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

PRIVATE = ("job-name", "document-name", "job-originating-user-name")

SECURE = """[server]
log-level = debug

[queue open]
info = Open queue
auth = none

[queue secure]
info = Secure queue
auth = basic
"""


def submit(d, user, name, docname, queue=None, auth=None):
    m = d.print_job(make_pdf(1500, seed=hash(name) & 0xFFFF), user=user, name=name, queue=queue,
                    auth=auth, extra_ops=[("document-name", TAG_NAME, docname)])
    check_status(m, STATUS_OK, "Print-Job by %s" % user)
    return m.jobs()[0]["job-id"].value


def leaks(m, secrets):
    """Secrets (strings) found anywhere in a decoded response's values."""
    found = []

    def walk(attrs):
        for a in attrs:
            for v in a.values:
                if isinstance(v, list):
                    walk(v)
                else:
                    s = v[1] if isinstance(v, tuple) and len(v) == 2 else v
                    if isinstance(s, str):
                        for sec in secrets:
                            if sec in s:
                                found.append("%s=%r" % (a.name, s))
    for _, attrs in m.groups:
        walk(attrs)
    return found


def user_add(d, name, pw, admin=False):
    args = ["user-add", name, "--password", pw] + (["--admin"] if admin else [])
    r = d.cli(*args)
    check_eq(r.returncode, 0, "quire user-add %s exit status (stdout %r stderr %r)" % (
        name, r.stdout[-200:], r.stderr[-300:]))


@test
def each_user_sees_only_own_job_details(ctx):
    d = ctx.daemon()
    ja = submit(d, "alice", "alice-secret-name", "alice-secret-doc.pdf")
    jb = submit(d, "bob", "bob-secret-name", "bob-secret-doc.pdf")
    alice_secrets = ["alice-secret", "alice"]
    bob_secrets = ["bob-secret", "bob"]
    for who, mine, other, other_secrets in (("bob", jb, ja, alice_secrets),
                                            ("alice", ja, jb, bob_secrets)):
        for req in (["all"], ["job-name", "document-name", "job-originating-user-name", "job-id"],
                    ["job-description"], None):
            m = d.get_jobs(user=who, which="all", my_jobs=False, requested=req)
            check_status(m, STATUS_OK, "Get-Jobs as %s requested=%r" % (who, req))
            by = {j["job-id"].value: j for j in m.jobs() if "job-id" in j}
            check(mine in by, "Get-Jobs as %s (my-jobs=false) lacks own job, got ids %r", who,
                  sorted(by))
            found = leaks(m, other_secrets)
            check(not found, "Get-Jobs as %s requested=%r leaks the other user's details: %s",
                  who, req, found)
            if req and "job-name" in req or req == ["all"]:
                check("job-name" in by[mine] and by[mine]["job-name"].value.startswith(who),
                      "%s does not see own job-name: %r", who, by[mine].get("job-name"))
        m = d.get_job_attrs(other, user=who, requested=["all"])
        check_status(m, STATUS_OK, "Get-Job-Attributes as %s on the other's job" % who)
        found = leaks(m, other_secrets)
        check(not found, "Get-Job-Attributes as %s on the other's job leaks: %s", who, found)
        for n in PRIVATE:
            a = m.jobs()[0].get(n)
            check(a is None or not any(s in str(a.values) for s in other_secrets),
                  "Get-Job-Attributes %s: %r", n, a)
        m = d.get_job_attrs(mine, user=who, requested=["all"])
        j = m.jobs()[0]
        check_eq(j["job-name"].value if "job-name" in j else None, "%s-secret-name" % who,
                 "own job-name via Get-Job-Attributes")
        check_eq(j["job-originating-user-name"].value if "job-originating-user-name" in j
                 else None, who, "own job-originating-user-name")
        check(any("%s-secret-doc.pdf" % who in str(a.values) for a in j.values()
                  if a.name == "document-name") or "document-name" not in j,
              "own document-name wrong: %r", j.get("document-name"))


@test
def my_jobs_only_lists_own(ctx):
    d = ctx.daemon()
    submit(d, "alice", "alice-secret-1", "a.pdf")
    jb = submit(d, "bob", "bob-secret-1", "b.pdf")
    m = d.get_jobs(user="bob", my_jobs=True, requested=["all"])
    check_eq([j["job-id"].value for j in m.jobs()], [jb], "bob's my-jobs")
    check(not leaks(m, ["alice"]), "bob's my-jobs leaks alice: %s", leaks(m, ["alice"]))


@test
def bob_cannot_cancel_alices_job(ctx):
    d = ctx.daemon()
    ja = submit(d, "alice", "alice-job", "a.pdf")
    m = d.job_op(OP_CANCEL_JOB, ja, user="bob")
    check_status(m, (STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN), "Cancel-Job by bob of alice's job")
    m = d.get_job_attrs(ja, user="alice", requested=["job-state"])
    check_eq(m.jobs()[0]["job-state"].value, 4, "alice's job state after bob's Cancel-Job")
    m = d.ipp(ipp_request(OP_CANCEL_MY_JOBS, d.uri(), "bob"))
    check_status(m, (STATUS_OK, STATUS_NOT_POSSIBLE, STATUS_NOT_FOUND), "Cancel-My-Jobs by bob")
    m = d.get_job_attrs(ja, user="alice", requested=["job-state"])
    check_eq(m.jobs()[0]["job-state"].value, 4, "alice's job state after bob's Cancel-My-Jobs")
    m = d.job_op(OP_CANCEL_JOB, ja, user="alice")
    check_status(m, STATUS_OK, "Cancel-Job by alice of her job")


@test
def cancel_my_jobs_with_job_ids_of_others(ctx):
    """Cancel-My-Jobs naming another user's job in job-ids must not cancel it."""
    d = ctx.daemon()
    ja = submit(d, "alice", "alice-job", "a.pdf")
    jb = submit(d, "bob", "bob-job", "b.pdf")
    m = d.ipp(ipp_request(OP_CANCEL_MY_JOBS, d.uri(), "bob",
                          op_attrs=[("job-ids", TAG_INTEGER, [ja, jb])]))
    st = d.get_job_attrs(ja, user="alice", requested=["job-state"]).jobs()[0]["job-state"].value
    check_eq(st, 4, "alice's job state after bob's Cancel-My-Jobs with job-ids=[alice's, bob's] "
             "(status %s)" % m.describe())
    check_status(m, (STATUS_OK, STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN, STATUS_NOT_POSSIBLE,
                     STATUS_ATTRIBUTES_NOT_SUPPORTED, STATUS_BAD_REQUEST),
                 "Cancel-My-Jobs with someone else's job id")


@test
def others_cannot_add_documents_or_close(ctx):
    d = ctx.daemon()
    m = d.create_job(user="alice", name="alice-open-job")
    check_status(m, STATUS_OK, "Create-Job by alice")
    ja = m.jobs()[0]["job-id"].value
    m = d.send_document(ja, make_pdf(5000, seed=66), last=True, user="bob")
    check_status(m, (STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN),
                 "Send-Document by bob to alice's job")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the refused Send-Document")
    check_eq(d.spool_files(), [], "spool files after the refused Send-Document")
    m = d.job_op(OP_CLOSE_JOB, ja, user="bob")
    check_status(m, (STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN), "Close-Job by bob of alice's job")
    doc = make_pdf(3000, seed=67)
    m = d.send_document(ja, doc, last=True, user="alice")
    check_status(m, STATUS_OK, "Send-Document by alice to her own job afterwards")
    j = d.api_job(ja)
    check_eq([x["sha256"] for x in j["documents"]], [sha256(doc)], "documents of alice's job")


@test
def basic_auth_required(ctx):
    d = ctx.daemon(config=SECURE)
    user_add(d, "carol", "carol-pw")
    doc = make_pdf(1000)
    # no credentials
    body = encode(ipp_request(OP_PRINT_JOB, d.uri("secure"), "carol",
                              op_attrs=[("document-format", TAG_MIMETYPE, "application/pdf")],
                              data=doc))
    r = post_raw(d.port, body, d.path("secure"))
    check_eq(r.status, 401, "HTTP status of Print-Job without credentials on auth=basic")
    check("basic" in r.header("www-authenticate", "").lower(),
          "401 without WWW-Authenticate: Basic (got %r)", r.header("www-authenticate"))
    # wrong password, unknown user
    for cred in (("carol", "wrong"), ("nobody", "carol-pw"), ("carol", "")):
        r = post_raw(d.port, body, d.path("secure"), auth=cred)
        check_eq(r.status, 401, "HTTP status with credentials %r" % (cred,))
    check_eq(len(d.api_jobs("all")), 0, "jobs after refused submissions")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after refused submissions")


@test
def basic_auth_no_impersonation_without_credentials(ctx):
    """Without credentials, claiming requesting-user-name=carol on the auth=basic queue must
    give 401, or at least neither carol's private details nor the power to cancel her job."""
    d = ctx.daemon(config=SECURE)
    user_add(d, "carol", "carol-pw")
    jc = submit(d, "ignored", "carol-secret-job", "carol-secret.pdf", queue="secure",
                auth=("carol", "carol-pw"))
    for what, req in (
            ("Get-Jobs", ipp_request(OP_GET_JOBS, d.uri("secure"), "carol", op_attrs=[
                ("which-jobs", TAG_KEYWORD, "all"), ("requested-attributes", TAG_KEYWORD,
                                                     "all")])),
            ("Get-Job-Attributes", ipp_request(OP_GET_JOB_ATTRIBUTES, d.uri("secure"), "carol",
                                               op_attrs=[("job-id", TAG_INTEGER, jc)]))):
        r = post_raw(d.port, encode(req), d.path("secure"))
        if r.status == 401:
            continue
        check_eq(r.status, 200, "HTTP status of %s without credentials" % what)
        m = r.ipp()
        found = leaks(m, ["carol"])
        check(not found, "%s without credentials (requesting-user-name carol) on the "
              "auth=basic queue leaks: %s", what, found)
    r = post_raw(d.port, encode(ipp_request(OP_CANCEL_JOB, d.uri("secure"), "carol", op_attrs=[
        ("job-id", TAG_INTEGER, jc)])), d.path("secure"))
    check(r.status == 401 or (r.status == 200 and r.ipp().status in (
        STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN, STATUS_NOT_AUTHENTICATED)),
        "Cancel-Job without credentials (requesting-user-name carol): HTTP %d %s", r.status,
        r.ipp().describe() if r.status == 200 else "")
    j = d.api_job(jc)
    check_eq(j["state"], 4, "carol's job state after an unauthenticated Cancel-Job")


@test
def basic_auth_owner_is_authenticated_user(ctx):
    d = ctx.daemon(config=SECURE)
    user_add(d, "carol", "carol-pw")
    m = d.print_job(make_pdf(1200), user="mallory", name="carol-job", queue="secure",
                    auth=("carol", "carol-pw"))
    check_status(m, STATUS_OK, "Print-Job with right credentials, requesting-user-name=mallory")
    jid = m.jobs()[0]["job-id"].value
    m = d.get_job_attrs(jid, user="mallory", queue="secure", auth=("carol", "carol-pw"),
                        requested=["job-originating-user-name", "job-state"])
    check_status(m, STATUS_OK, "Get-Job-Attributes with credentials")
    check_eq(m.jobs()[0]["job-originating-user-name"].value, "carol",
             "job-originating-user-name (must be the authenticated user)")
    check_eq(d.api_job(jid)["owner"], "carol", "/api/jobs owner")
    # mallory on the open queue (no auth) must not see carol's job details or cancel it
    m = d.get_jobs(user="mallory", queue="open", which="all", requested=["all"])
    check(not leaks(m, ["carol"]), "open-queue Get-Jobs leaks: %s", leaks(m, ["carol"]))
    m = d.job_op(OP_CANCEL_JOB, jid, user="mallory", queue="secure", auth=("carol", "carol-pw"))
    check_status(m, STATUS_OK, "Cancel-Job by carol of her own job (authenticated)")


@test
def basic_auth_user_added_while_running(ctx):
    d = ctx.daemon(config=SECURE)
    user_add(d, "erin", "erin-pw")
    m = d.print_job(make_pdf(800), user="x", queue="secure", auth=("erin", "erin-pw"))
    check_status(m, STATUS_OK, "Print-Job by a user added with quire user-add while quired runs")


@test
def basic_auth_other_user_cannot_see_or_cancel(ctx):
    d = ctx.daemon(config=SECURE)
    user_add(d, "carol", "carol-pw")
    user_add(d, "dave", "dave-pw")
    jc = submit(d, "ignored", "carol-secret-job", "carol-secret.pdf", queue="secure",
                auth=("carol", "carol-pw"))
    m = d.get_jobs(user="dave", queue="secure", which="all", requested=["all"],
                   auth=("dave", "dave-pw"))
    check_status(m, STATUS_OK, "Get-Jobs by dave")
    check(not leaks(m, ["carol"]), "dave's Get-Jobs leaks: %s", leaks(m, ["carol"]))
    m = d.get_job_attrs(jc, user="carol", queue="secure", auth=("dave", "dave-pw"),
                        requested=["all"])
    check(not leaks(m, ["carol"]), "dave's Get-Job-Attributes (claiming to be carol) leaks: %s",
          leaks(m, ["carol"]))
    m = d.job_op(OP_CANCEL_JOB, jc, user="carol", queue="secure", auth=("dave", "dave-pw"))
    check_status(m, (STATUS_NOT_AUTHORIZED, STATUS_FORBIDDEN),
                 "Cancel-Job by dave (requesting-user-name carol) of carol's job")


@test
def admin_sees_everything(ctx):
    d = ctx.daemon(config=SECURE)
    user_add(d, "carol", "carol-pw")
    user_add(d, "root-admin", "admin-pw", admin=True)
    jc = submit(d, "ignored", "carol-secret-job", "carol-secret.pdf", queue="secure",
                auth=("carol", "carol-pw"))
    m = d.get_jobs(user="root-admin", queue="secure", which="all", requested=["all"],
                   auth=("root-admin", "admin-pw"))
    check_status(m, STATUS_OK, "Get-Jobs by the admin")
    by = {j["job-id"].value: j for j in m.jobs()}
    check(jc in by, "admin's Get-Jobs lacks carol's job: %r", sorted(by))
    j = by[jc]
    check_eq(j["job-name"].value if "job-name" in j else None, "carol-secret-job",
             "job-name seen by the admin")
    check_eq(j["job-originating-user-name"].value if "job-originating-user-name" in j else None,
             "carol", "job-originating-user-name seen by the admin")
    m = d.get_job_attrs(jc, user="root-admin", queue="secure", auth=("root-admin", "admin-pw"),
                        requested=["all"])
    j = m.jobs()[0]
    check_eq(j["job-name"].value if "job-name" in j else None, "carol-secret-job",
             "job-name via Get-Job-Attributes by the admin")
    dn = j.get("document-name")
    check(dn is None or "carol-secret.pdf" in str(dn.values),
          "document-name seen by the admin: %r", dn)


if __name__ == "__main__":
    run_tests(__doc__)
