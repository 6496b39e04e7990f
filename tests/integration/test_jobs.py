#!/usr/bin/env python3
"""Job life cycle against the real quired: submission (Print-Job, Create-Job/Send-Document/
Close-Job, Validate-Job), held state, Get-Jobs / Get-Job-Attributes, cancel, auto-typing,
compression, HTTP transport details (chunked, 100-continue, keep-alive), queues from a config
file, SIGHUP reload, the admin API and the quire CLI.

Run: python3 tests/integration/test_jobs.py --bin /work/main/build
"""
import gzip
import json
import os
import socket
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

HELD_REASON = "job-hold-until-specified"

TWO_QUEUES = """[server]
log-level = debug

[queue office]
info = Office printer
location = Floor 2
make-and-model = Quire Office
color = auto
duplex = optional
auth = none
media-default = iso_a4_210x297mm

[queue lab]
info = Lab printer
location = Basement
make-and-model = Quire Lab
color = monochrome
duplex = off
auth = none
media-default = na_letter_8.5x11in

[queue both]
info = Duplex by default
duplex = default
"""


def job_id_of(m, what):
    check_status(m, STATUS_OK, what)
    jobs = m.jobs()
    check(len(jobs) == 1, "%s: expected one job group in the response, got %d", what, len(jobs))
    j = jobs[0]
    check("job-id" in j, "%s: no job-id in the response: %s", what, list(j))
    return j["job-id"].value


def check_held_response(m, what):
    """Response of Print-Job / Send-Document(last) / Close-Job: a held job."""
    jid = job_id_of(m, what)
    j = m.jobs()[0]
    check("job-uri" in j, "%s: no job-uri in the response", what)
    check("job-state" in j, "%s: no job-state in the response", what)
    check_eq(j["job-state"].value, 4, "%s: job-state" % what)
    reasons = j["job-state-reasons"].values if "job-state-reasons" in j else []
    check(HELD_REASON in reasons, "%s: job-state-reasons %r lacks %s", what, reasons, HELD_REASON)
    return jid


def check_held_job(d, jid, what, user="tester", queue=None, auth=None):
    """Get-Job-Attributes: state 4, reason, hold-until indefinite."""
    m = d.get_job_attrs(jid, user=user, queue=queue, auth=auth, requested=["all"])
    check_status(m, STATUS_OK, what + " Get-Job-Attributes")
    j = m.jobs()[0]
    check_eq(j["job-state"].value if "job-state" in j else None, 4, what + " job-state")
    reasons = j["job-state-reasons"].values if "job-state-reasons" in j else []
    check(HELD_REASON in reasons, "%s: job-state-reasons %r lacks %s", what, reasons, HELD_REASON)
    hu = j["job-hold-until"].values if "job-hold-until" in j else None
    check_eq(hu, ["indefinite"], what + " job-hold-until")
    return j


def check_stored(d, jid, docs, what):
    """/api/jobs: the job's documents have the formats, sizes, sha256 of `docs` (list of
    (format, bytes)); the spool files hash the same."""
    j = d.api_job(jid)
    check(j is not None, "%s: job %d missing from /api/jobs", what, jid)
    got = j.get("documents") or []
    check_eq(len(got), len(docs), "%s: number of documents of job %d" % (what, jid))
    for i, ((fmt, data), doc) in enumerate(zip(docs, sorted(got, key=lambda x: x.get("number", 0)))):
        check_eq(doc.get("format"), fmt, "%s: document %d format" % (what, i + 1))
        check_eq(doc.get("size"), len(data), "%s: document %d size" % (what, i + 1))
        check_eq(doc.get("sha256"), sha256(data), "%s: document %d sha256 in store" % (what, i + 1))
        p = doc.get("path")
        check(p and os.path.isfile(os.path.join(d.spool_dir, p)),
              "%s: spool file %r of job %d missing", what, p, jid)
        check_eq(d.spool_sha256(p), sha256(data), "%s: sha256 of spool file %s" % (what, p))
    return j


# ---------------------------------------------------------------------------------------------

@test
def print_job_pdf_held(ctx):
    d = ctx.daemon()
    doc = make_pdf(5000, seed=1)
    m = d.print_job(doc, fmt="application/pdf", name="pdf-job")
    jid = check_held_response(m, "Print-Job PDF")
    check_held_job(d, jid, "Print-Job PDF")
    j = check_stored(d, jid, [("application/pdf", doc)], "Print-Job PDF")
    check_eq(j.get("state"), 4, "/api/jobs state")
    check(HELD_REASON in (j.get("reasons") or []), "/api/jobs reasons %r lack %s",
          j.get("reasons"), HELD_REASON)
    check_eq(j.get("queue"), "default", "/api/jobs queue")
    check_eq(j.get("owner"), "tester", "/api/jobs owner")
    check_eq(j.get("name"), "pdf-job", "/api/jobs name")


@test
def print_job_jpeg_held(ctx):
    d = ctx.daemon()
    doc = make_jpeg()
    m = d.print_job(doc, fmt="image/jpeg", name="jpeg-job")
    jid = check_held_response(m, "Print-Job JPEG")
    check_held_job(d, jid, "Print-Job JPEG")
    check_stored(d, jid, [("image/jpeg", doc)], "Print-Job JPEG")


@test
def print_job_pwg_urf_held(ctx):
    d = ctx.daemon()
    for fmt, doc in (("image/pwg-raster", make_pwg(9000, 3)), ("image/urf", make_urf(7000, 4))):
        m = d.print_job(doc, fmt=fmt, name=fmt)
        jid = check_held_response(m, "Print-Job " + fmt)
        check_stored(d, jid, [(fmt, doc)], "Print-Job " + fmt)


@test
def print_job_ipp11(ctx):
    d = ctx.daemon()
    doc = make_pdf(3000, seed=2)
    req = ipp_request(OP_PRINT_JOB, d.uri(), "tester", version=(1, 1),
                      op_attrs=[("job-name", TAG_NAME, "v11"),
                                ("document-format", TAG_MIMETYPE, "application/pdf")], data=doc)
    m = d.ipp(req)
    check_eq(m.version, (1, 1), "response version for an IPP/1.1 request")
    jid = check_held_response(m, "IPP/1.1 Print-Job")
    check_stored(d, jid, [("application/pdf", doc)], "IPP/1.1 Print-Job")


@test
def print_job_request_id_echoed(ctx):
    d = ctx.daemon()
    req = ipp_request(OP_GET_PRINTER_ATTRIBUTES, d.uri(), "tester", request_id=123456)
    m = d.ipp(req)
    check_status(m, STATUS_OK, "Get-Printer-Attributes")
    check_eq(m.request_id, 123456, "request-id echoed")
    cs = m.value("attributes-charset", TAG_OPERATION)
    check_eq(cs, "utf-8", "attributes-charset of the response")
    check(m.value("attributes-natural-language", TAG_OPERATION) is not None,
          "no attributes-natural-language in the response")


@test
def create_job_send_document_last(ctx):
    d = ctx.daemon()
    m = d.create_job(name="cj-last")
    jid = job_id_of(m, "Create-Job")
    doc = make_pdf(12000, seed=5)
    m = d.send_document(jid, doc, last=True)
    check_status(m, STATUS_OK, "Send-Document(last-document=true)")
    check_held_response(m, "Send-Document(last-document=true)")
    check_held_job(d, jid, "Create-Job+Send-Document")
    check_stored(d, jid, [("application/pdf", doc)], "Create-Job+Send-Document")


@test
def create_job_send_document_close_job(ctx):
    d = ctx.daemon()
    jid = job_id_of(d.create_job(name="cj-close"), "Create-Job")
    doc = make_jpeg(5000, seed=6)
    m = d.send_document(jid, doc, last=False, fmt="image/jpeg")
    check_status(m, STATUS_OK, "Send-Document(last-document=false)")
    m = d.job_op(OP_CLOSE_JOB, jid)
    check_status(m, STATUS_OK, "Close-Job")
    check_held_job(d, jid, "Create-Job+Send-Document(false)+Close-Job")
    check_stored(d, jid, [("image/jpeg", doc)], "Create-Job+Send-Document(false)+Close-Job")


@test
def send_document_after_last(ctx):
    d = ctx.daemon()
    jid = job_id_of(d.create_job(name="done"), "Create-Job")
    doc = make_pdf(2000, seed=51)
    check_status(d.send_document(jid, doc, last=True), STATUS_OK, "Send-Document(last=true)")
    m = d.send_document(jid, make_pdf(2000, seed=52), last=True)
    check_status(m, (STATUS_NOT_POSSIBLE,), "a second Send-Document after last-document=true")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the refused Send-Document")
    check_stored(d, jid, [("application/pdf", doc)], "job after the refused Send-Document")
    check_eq(len(d.spool_files()), 1, "spool files")


@test
def concurrent_send_documents_same_job(ctx):
    """Two Send-Document(last=true) racing for one job: one wins, the job has one document,
    no orphan file."""
    d = ctx.daemon()
    import threading
    for round_ in range(5):
        jid = job_id_of(d.create_job(name="race%d" % round_), "Create-Job")
        docs = [make_pdf(3 * 1024 * 1024, seed=100 + round_ * 2 + i) for i in range(2)]
        results = [None, None]

        def send(i):
            try:
                results[i] = d.send_document(jid, docs[i], last=True)
            except Exception as e:      # noqa: BLE001
                results[i] = e
        ts = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        ok = [i for i in range(2) if isinstance(results[i], Message) and results[i].status == 0]
        check(len(ok) == 1, "round %d: %d Send-Documents succeeded: %r", round_, len(ok),
              [r.describe() if isinstance(r, Message) else r for r in results])
        check_stored(d, jid, [("application/pdf", docs[ok[0]])], "round %d winner" % round_)
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the races")
    refs = sorted(x["path"] for j in d.api_jobs("all") for x in j["documents"])
    check_eq(d.spool_files(), sorted(os.path.normpath(p) for p in refs),
             "spool files vs. referenced documents")


@test
def cancel_during_upload(ctx):
    """Cancel-Job while its Send-Document is still uploading: the upload must not resurrect
    the job nor leave a file."""
    d = ctx.daemon()
    jid = job_id_of(d.create_job(name="cancel-me"), "Create-Job")
    head = encode(ipp_request(OP_SEND_DOCUMENT, d.uri(), "tester",
                              op_attrs=[("job-id", TAG_INTEGER, jid),
                                        ("last-document", TAG_BOOLEAN, True),
                                        ("document-format", TAG_MIMETYPE, "application/pdf")]))
    block = filler(1 << 20, 3)
    c = HttpConn(d.port, timeout=30)
    try:
        c.send(("POST /ipp/print HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                "application/ipp\r\nTransfer-Encoding: chunked\r\n\r\n" % d.port).encode())
        first = head + PDF_HEAD + block
        c.send(b"%x\r\n" % len(first) + first + b"\r\n")
        for _ in range(50):
            if d.tmp_files():
                break
            time.sleep(0.05)
        m = d.job_op(OP_CANCEL_JOB, jid)
        check_status(m, STATUS_OK, "Cancel-Job during the upload")
        for _ in range(3):
            c.send(b"%x\r\n" % len(block) + block + b"\r\n")
        c.send(b"0\r\n\r\n")
        r = c.read_response(30)
        m = r.ipp() if r.status == 200 else None
        ctx.log("upload finished after Cancel-Job: HTTP %d %s" % (r.status, m.describe() if m
                                                                 else ""))
        check(m is None or m.status != STATUS_OK,
              "Send-Document finishing after Cancel-Job answered successful-ok")
    except (ConnectionResetError, BrokenPipeError):
        ctx.log("the server dropped the upload of the canceled job")
    finally:
        c.close()
    st = d.get_job_attrs(jid, requested=["job-state"]).jobs()[0]["job-state"].value
    check_eq(st, 7, "job-state after Cancel-Job during its upload")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the canceled upload")
    refs = [x["path"] for j in d.api_jobs("all") for x in j["documents"]]
    check_eq(d.spool_files(), sorted(os.path.normpath(p) for p in refs),
             "spool files vs. referenced documents after the canceled upload")


@test
def utf8_and_json_escaping_in_names(ctx):
    d = ctx.daemon()
    names = ["R\u00e9sum\u00e9 \u2014 \u65e5\u672c\u8a9e \U0001F4C4", 'quote " back \\ slash',
             "tab\there", "<b>&amp;</b>"]
    for n in names:
        m = d.print_job(make_pdf(800), name=n, user="us\u00e9r")
        check(m.status in (STATUS_OK, STATUS_OK_IGNORED, STATUS_BAD_REQUEST,
                           STATUS_ATTRIBUTES_NOT_SUPPORTED),
              "Print-Job with job-name %r: %s", n, m.describe())
        if m.status != STATUS_OK:
            continue
        jid = m.jobs()[0]["job-id"].value
        j = d.get_job_attrs(jid, user="us\u00e9r", requested=["job-name",
                                                             "job-originating-user-name"])
        got = j.jobs()[0]
        check_eq(got["job-name"].value, n, "job-name round trip via IPP")
        check_eq(got["job-originating-user-name"].value, "us\u00e9r", "owner round trip via IPP")
        api = d.api_job(jid)      # raises if the JSON does not parse
        check_eq(api["name"], n, "job name round trip via /api/jobs JSON")
        check_eq(api["owner"], "us\u00e9r", "owner via /api/jobs JSON")
    r = d.cli("jobs", "--json")
    check_eq(r.returncode, 0, "quire jobs --json with unusual names")
    try:
        json.loads(r.stdout)
    except ValueError as e:
        raise TestFailure("quire jobs --json output is not JSON with unusual names: %s" % e)


@test
def invalid_utf8_in_names(ctx):
    d = ctx.daemon()
    body = encode(ipp_request(OP_PRINT_JOB, d.uri(), None, op_attrs=[
        ("requesting-user-name", TAG_NAME, b"bad\xff\xfeuser"),
        ("job-name", TAG_NAME, b"bad\xc3(name\x00nul"),
        ("document-format", TAG_MIMETYPE, "application/pdf")], data=make_pdf(700)))
    r = post_raw(d.port, body)
    check_eq(r.status, 200, "HTTP status")
    m = r.ipp()
    check_status(m, (STATUS_BAD_REQUEST, STATUS_OK, STATUS_OK_IGNORED,
                     STATUS_ATTRIBUTES_NOT_SUPPORTED), "Print-Job with invalid UTF-8 names")
    st, js = d.api("/api/jobs?which=all")
    check_eq(st, 200, "/api/jobs status after invalid UTF-8 names")
    check(isinstance(js, list), "/api/jobs is not valid JSON after a job with invalid UTF-8 "
          "names: %r", js if isinstance(js, (bytes, str)) else type(js))
    for j in js:
        for k in ("name", "owner"):
            v = j.get(k) or ""
            check("\x00" not in v, "/api/jobs %s contains a NUL: %r", k, v)
    check(d.answers(), "daemon does not answer")


@test
def client_hold_until_is_overridden(ctx):
    """A client asking for job-hold-until=no-hold (or a time of day) still gets a held job."""
    d = ctx.daemon()
    for hold in ("no-hold", "day-time", "indefinite"):
        m = d.print_job(make_pdf(900), name="hold-" + hold,
                        job_attrs=[("job-hold-until", TAG_KEYWORD, hold)])
        check_status(m, (STATUS_OK, STATUS_OK_IGNORED), "Print-Job job-hold-until=%s" % hold)
        jid = m.jobs()[0]["job-id"].value
        check_held_job(d, jid, "job-hold-until=%s" % hold)


@test
def unsupported_job_template_values(ctx):
    """copies=0 is out of range: ignored-or-substituted (with the attribute in the
    unsupported group) or refused; with ipp-attribute-fidelity=true, refused, no job."""
    d = ctx.daemon()
    m = d.print_job(make_pdf(900), name="copies0", job_attrs=[("copies", TAG_INTEGER, 0)])
    check_status(m, (STATUS_OK_IGNORED, STATUS_ATTRIBUTES_NOT_SUPPORTED),
                 "Print-Job copies=0")
    unsup = m.names(TAG_UNSUPPORTED_GROUP)
    check("copies" in unsup, "copies=0 not listed in the unsupported-attributes group (%r)",
          unsup)
    before = len(d.api_jobs("all"))
    m = d.print_job(make_pdf(900), name="fidelity",
                    extra_ops=[("ipp-attribute-fidelity", TAG_BOOLEAN, True)],
                    job_attrs=[("copies", TAG_INTEGER, 0)])
    check_status(m, (STATUS_ATTRIBUTES_NOT_SUPPORTED,),
                 "Print-Job copies=0 with ipp-attribute-fidelity=true")
    check_eq(len(d.api_jobs("all")), before, "jobs after the refused fidelity request")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the refused fidelity request")
    m = d.print_job(make_pdf(900), name="sides-bad",
                    job_attrs=[("sides", TAG_KEYWORD, "three-sided")])
    check_status(m, (STATUS_OK_IGNORED, STATUS_ATTRIBUTES_NOT_SUPPORTED), "sides=three-sided")


@test
def validate_job(ctx):
    d = ctx.daemon()
    req = ipp_request(OP_VALIDATE_JOB, d.uri(), "tester",
                      op_attrs=[("job-name", TAG_NAME, "v"),
                                ("document-format", TAG_MIMETYPE, "application/pdf")])
    m = d.ipp(req)
    check_status(m, STATUS_OK, "Validate-Job (application/pdf)")
    check_eq(len(d.api_jobs("all")), 0, "jobs after Validate-Job")


@test
def validate_job_bad_format(ctx):
    d = ctx.daemon()
    req = ipp_request(OP_VALIDATE_JOB, d.uri(), "tester",
                      op_attrs=[("document-format", TAG_MIMETYPE, "text/plain")])
    m = d.ipp(req)
    check_status(m, STATUS_FORMAT_NOT_SUPPORTED, "Validate-Job (text/plain)")


def submit_n(d, n, user="tester", prefix="j", queue=None):
    ids = []
    for i in range(n):
        m = d.print_job(make_pdf(1000 + i, seed=i), user=user, name="%s%d" % (prefix, i),
                        queue=queue)
        ids.append(job_id_of(m, "Print-Job %s%d" % (prefix, i)))
    return ids


def ids_of(m):
    return [j["job-id"].value for j in m.jobs() if "job-id" in j]


@test
def get_jobs_which_jobs(ctx):
    d = ctx.daemon()
    ids = submit_n(d, 3)
    check_status(d.job_op(OP_CANCEL_JOB, ids[0]), STATUS_OK, "Cancel-Job")
    m = d.get_jobs()
    check_status(m, STATUS_OK, "Get-Jobs (default which-jobs)")
    check_eq(sorted(ids_of(m)), sorted(ids[1:]), "Get-Jobs default (not-completed) job ids")
    m = d.get_jobs(which="not-completed")
    check_eq(sorted(ids_of(m)), sorted(ids[1:]), "Get-Jobs which-jobs=not-completed ids")
    m = d.get_jobs(which="completed")
    check_status(m, STATUS_OK, "Get-Jobs which-jobs=completed")
    check_eq(ids_of(m), [ids[0]], "Get-Jobs which-jobs=completed ids")
    m = d.get_jobs(which="all")
    check_status(m, STATUS_OK, "Get-Jobs which-jobs=all")
    check_eq(sorted(ids_of(m)), sorted(ids), "Get-Jobs which-jobs=all ids")


@test
def get_jobs_my_jobs(ctx):
    d = ctx.daemon()
    a = submit_n(d, 2, user="alice", prefix="a")
    b = submit_n(d, 1, user="bob", prefix="b")
    m = d.get_jobs(user="bob", my_jobs=True)
    check_status(m, STATUS_OK, "Get-Jobs my-jobs=true (bob)")
    check_eq(sorted(ids_of(m)), b, "bob's my-jobs ids")
    m = d.get_jobs(user="alice", my_jobs=True)
    check_eq(sorted(ids_of(m)), sorted(a), "alice's my-jobs ids")
    m = d.get_jobs(user="alice", my_jobs=False)
    check_eq(sorted(ids_of(m)), sorted(a + b), "Get-Jobs my-jobs=false ids")


@test
def get_jobs_limit(ctx):
    d = ctx.daemon()
    ids = submit_n(d, 5)
    m = d.get_jobs(limit=2)
    check_status(m, STATUS_OK, "Get-Jobs limit=2")
    got = ids_of(m)
    check_eq(len(got), 2, "number of jobs with limit=2")
    check(set(got) <= set(ids), "limit=2 returned unknown ids %r", got)
    m = d.get_jobs(limit=10)
    check_eq(len(ids_of(m)), 5, "number of jobs with limit=10")


@test
def get_jobs_requested_attributes(ctx):
    d = ctx.daemon()
    submit_n(d, 2)
    # default: job-id and job-uri (RFC 8011 4.2.6.1)
    m = d.get_jobs()
    for j in m.jobs():
        check("job-id" in j and "job-uri" in j, "default Get-Jobs lacks job-id/job-uri: %s",
              list(j))
    # explicit list: exactly the requested ones (when they exist)
    m = d.get_jobs(requested=["job-id", "job-state", "job-name"])
    check_status(m, STATUS_OK, "Get-Jobs requested-attributes=explicit")
    for j in m.jobs():
        for n in ("job-id", "job-state", "job-name"):
            check(n in j, "explicit requested-attributes: %s missing (got %s)", n, list(j))
        for n in ("job-hold-until", "job-originating-user-name", "job-printer-uri"):
            check(n not in j, "explicit requested-attributes: %s returned unasked", n)
    # job-template group
    m = d.get_jobs(requested=["job-template"])
    check_status(m, STATUS_OK, "Get-Jobs requested-attributes=job-template")
    for j in m.jobs():
        check("job-hold-until" in j, "job-template: no job-hold-until (got %s)", list(j))
        check_eq(j["job-hold-until"].values, ["indefinite"], "job-template job-hold-until")
        check("job-state" not in j and "job-name" not in j,
              "job-template group returned description/status attributes: %s", list(j))
    # job-description group
    m = d.get_jobs(requested=["job-description"])
    check_status(m, STATUS_OK, "Get-Jobs requested-attributes=job-description")
    for j in m.jobs():
        for n in ("job-state", "job-name", "job-id"):
            check(n in j, "job-description: %s missing (got %s)", n, list(j))
    # all
    m = d.get_jobs(requested=["all"])
    check_status(m, STATUS_OK, "Get-Jobs requested-attributes=all")
    for j in m.jobs():
        for n in ("job-id", "job-uri", "job-state", "job-state-reasons", "job-name",
                  "job-originating-user-name", "job-hold-until", "job-printer-uri"):
            check(n in j, "requested-attributes=all: %s missing (got %s)", n, list(j))
        check_eq(j["job-originating-user-name"].value, "tester", "job-originating-user-name")


@test
def get_job_attributes(ctx):
    d = ctx.daemon()
    doc = make_pdf(4000, seed=9)
    jid = job_id_of(d.print_job(doc, name="gja-job"), "Print-Job")
    m = d.get_job_attrs(jid)
    check_status(m, STATUS_OK, "Get-Job-Attributes (default)")
    j = m.jobs()[0]
    for n in ("job-id", "job-uri", "job-state", "job-state-reasons", "job-name",
              "job-originating-user-name", "job-printer-uri"):
        check(n in j, "Get-Job-Attributes default (all): %s missing (got %s)", n, list(j))
    check_eq(j["job-id"].value, jid, "job-id")
    check_eq(j["job-name"].value, "gja-job", "job-name")
    check_eq(j["job-originating-user-name"].value, "tester", "job-originating-user-name")
    check(j["job-printer-uri"].value.endswith("/ipp/print") or
          j["job-printer-uri"].value.endswith("/ipp/print/default"),
          "job-printer-uri %r", j["job-printer-uri"].value)
    m = d.get_job_attrs(jid, requested=["job-state"])
    check_eq(sorted(m.jobs()[0]), ["job-state"], "Get-Job-Attributes requested=[job-state]")
    m = d.get_job_attrs(jid + 1000)
    check_status(m, STATUS_NOT_FOUND, "Get-Job-Attributes of a job that does not exist")
    # job-uri targeting (no job-id)
    req = ipp_request(OP_GET_JOB_ATTRIBUTES, j["job-uri"].value, "tester", uri_attr="job-uri")
    m = d.ipp(req)
    check_status(m, STATUS_OK, "Get-Job-Attributes by job-uri")
    check_eq(m.jobs()[0]["job-id"].value, jid, "job-id via job-uri")


@test
def cancel_job(ctx):
    d = ctx.daemon()
    ids = submit_n(d, 2)
    m = d.job_op(OP_CANCEL_JOB, ids[0])
    check_status(m, STATUS_OK, "Cancel-Job")
    m = d.get_job_attrs(ids[0], requested=["job-state"])
    check_eq(m.jobs()[0]["job-state"].value, 7, "job-state after Cancel-Job")
    m = d.get_jobs(which="completed")
    check(ids[0] in ids_of(m), "canceled job %d not under which-jobs=completed (%r)", ids[0],
          ids_of(m))
    check(ids[0] not in ids_of(d.get_jobs(which="not-completed")),
          "canceled job still under not-completed")
    api_ids = [j["id"] for j in d.api_jobs("completed")]
    check(ids[0] in api_ids, "canceled job not in /api/jobs?which=completed: %r", api_ids)
    api_ids = [j["id"] for j in d.api_jobs("not-completed")]
    check_eq(api_ids, [ids[1]], "/api/jobs?which=not-completed after cancel")
    j = d.api_job(ids[0])
    check_eq(j["state"], 7, "/api/jobs state of the canceled job")
    # canceling again: not possible
    m = d.job_op(OP_CANCEL_JOB, ids[0])
    check_status(m, (STATUS_NOT_POSSIBLE,), "Cancel-Job of an already canceled job")
    m = d.get_job_attrs(ids[1], requested=["job-state"])
    check_eq(m.jobs()[0]["job-state"].value, 4, "other job's state")


@test
def cancel_my_jobs(ctx):
    d = ctx.daemon()
    a = submit_n(d, 2, user="alice", prefix="a")
    b = submit_n(d, 1, user="bob", prefix="b")
    req = ipp_request(OP_CANCEL_MY_JOBS, d.uri(), "alice")
    m = d.ipp(req)
    check_status(m, STATUS_OK, "Cancel-My-Jobs (alice)")
    for jid in a:
        m = d.get_job_attrs(jid, user="alice", requested=["job-state"])
        check_eq(m.jobs()[0]["job-state"].value, 7, "state of alice's job %d" % jid)
    m = d.get_job_attrs(b[0], user="bob", requested=["job-state"])
    check_eq(m.jobs()[0]["job-state"].value, 4, "state of bob's job")


@test
def identify_printer(ctx):
    d = ctx.daemon()
    m = d.ipp(ipp_request(OP_IDENTIFY_PRINTER, d.uri(), "tester"))
    check_status(m, STATUS_OK, "Identify-Printer")


@test
def unsupported_operations(ctx):
    d = ctx.daemon()
    for op in (OP_PAUSE_PRINTER, OP_PRINT_URI, OP_RELEASE_JOB, 0x4001):
        m = d.ipp(ipp_request(op, d.uri(), "tester"))
        check_status(m, STATUS_OPERATION_NOT_SUPPORTED, "operation 0x%04X" % op)
    check(d.answers(), "daemon does not answer after unsupported operations")


@test
def get_printer_attributes(ctx):
    d = ctx.daemon()
    m = d.get_printer_attrs(requested=["all"])
    check_status(m, STATUS_OK, "Get-Printer-Attributes all")
    p = m.printer()
    for n in ("printer-uri-supported", "uri-security-supported", "uri-authentication-supported",
              "printer-name", "printer-state", "printer-state-reasons", "ipp-versions-supported",
              "operations-supported", "charset-configured", "charset-supported",
              "natural-language-configured", "generated-natural-language-supported",
              "document-format-default", "document-format-supported",
              "printer-is-accepting-jobs", "queued-job-count", "pdl-override-supported",
              "printer-up-time", "compression-supported", "printer-uuid"):
        check(n in p, "Get-Printer-Attributes all: %s missing", n)
    fmts = set(p["document-format-supported"].values)
    for f in ("application/pdf", "image/jpeg", "image/urf", "image/pwg-raster",
              "application/octet-stream"):
        check(f in fmts, "document-format-supported lacks %s: %r", f, sorted(fmts))
    ops = set(p["operations-supported"].values)
    for op in (OP_PRINT_JOB, OP_VALIDATE_JOB, OP_CREATE_JOB, OP_SEND_DOCUMENT, OP_CANCEL_JOB,
               OP_GET_JOB_ATTRIBUTES, OP_GET_JOBS, OP_GET_PRINTER_ATTRIBUTES, OP_CANCEL_MY_JOBS,
               OP_CLOSE_JOB, OP_IDENTIFY_PRINTER):
        check(op in ops, "operations-supported lacks 0x%04X", op)
    check(OP_PAUSE_PRINTER not in ops, "operations-supported lists Pause-Printer")
    comp = set(p["compression-supported"].values)
    check({"gzip", "deflate"} <= comp, "compression-supported %r lacks gzip/deflate", comp)
    check_eq(sorted(set(p["ipp-versions-supported"].values) & {"1.1", "2.0"}), ["1.1", "2.0"],
             "ipp-versions-supported has 1.1 and 2.0")
    check(p["printer-uuid"].value.startswith("urn:uuid:"), "printer-uuid %r",
          p["printer-uuid"].value)
    check(any(u.startswith("ipp://127.0.0.1:%d/ipp/print" % d.port)
              for u in p["printer-uri-supported"].values),
          "printer-uri-supported %r does not use the host/port the client used",
          p["printer-uri-supported"].values)
    m = d.get_printer_attrs(requested=["printer-state", "queued-job-count"])
    check_eq(sorted(m.printer()), ["printer-state", "queued-job-count"],
             "Get-Printer-Attributes with two requested attributes")


def octet(d, data, name):
    return d.print_job(data, fmt="application/octet-stream", name=name)


@test
def octet_stream_autotyping(ctx):
    d = ctx.daemon()
    for expect, data in (("application/pdf", make_pdf(3000, 11)),
                         ("image/jpeg", make_jpeg(4000, 12)),
                         ("image/pwg-raster", make_pwg(5000, 13)),
                         ("image/urf", make_urf(6000, 14))):
        m = octet(d, data, "auto-" + expect)
        jid = check_held_response(m, "octet-stream " + expect)
        check_stored(d, jid, [(expect, data)], "octet-stream auto-typed as " + expect)
    # also without any document-format (the default is octet-stream)
    data = make_jpeg(2000, 15)
    jid = check_held_response(d.print_job(data, fmt=None, name="nofmt"), "no document-format")
    check_stored(d, jid, [("image/jpeg", data)], "no document-format, JPEG bytes")


@test
def octet_stream_unknown_content(ctx):
    d = ctx.daemon()
    for data in (b"Hello, this is plain text\n" * 100, b"%!PS-Adobe-3.0\n" + filler(500, 1)):
        m = octet(d, data, "unknown")
        check_status(m, STATUS_FORMAT_NOT_SUPPORTED, "octet-stream with %r..." % data[:10])
    check_eq(len(d.api_jobs("all")), 0, "jobs after refused documents")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after refused documents")
    check_eq(d.spool_files(), [], "spool files after refused documents")


@test
def declared_format_mismatch_pdf_unsupported(ctx):
    d = ctx.daemon()
    m = d.print_job(make_pdf(1000), fmt="text/plain")
    check_status(m, STATUS_FORMAT_NOT_SUPPORTED, "Print-Job document-format=text/plain")
    check_eq(len(d.api_jobs("all")), 0, "jobs after refused text/plain")


def raw_deflate(b):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()


@test
def compression_gzip(ctx):
    d = ctx.daemon()
    doc = make_pdf(300000, seed=21)[:1000] + b"A" * 299000   # compressible
    comp = gzip.compress(doc)
    m = d.print_job(comp, compression="gzip", name="gz")
    jid = check_held_response(m, "Print-Job compression=gzip")
    check_stored(d, jid, [("application/pdf", doc)], "gzip document stored decompressed")
    # auto-typing sees decompressed bytes
    jpg = make_jpeg(50000, 22)
    m = d.print_job(gzip.compress(jpg), compression="gzip", fmt="application/octet-stream")
    jid = check_held_response(m, "gzip + octet-stream")
    check_stored(d, jid, [("image/jpeg", jpg)], "gzip + octet-stream auto-typed")


@test
def compression_deflate(ctx):
    d = ctx.daemon()
    doc = make_pdf(1000, seed=23) + b"B" * 200000
    m = d.print_job(raw_deflate(doc), compression="deflate", name="deflate-raw")
    jid = check_held_response(m, "Print-Job compression=deflate (RFC 1951 raw)")
    check_stored(d, jid, [("application/pdf", doc)], "deflate (raw) stored decompressed")
    m = d.print_job(zlib.compress(doc), compression="deflate", name="deflate-zlib")
    jid = check_held_response(m, "Print-Job compression=deflate (zlib wrapper)")
    check_stored(d, jid, [("application/pdf", doc)], "deflate (zlib) stored decompressed")


@test
def compression_send_document_gzip(ctx):
    d = ctx.daemon()
    jid = job_id_of(d.create_job(name="sd-gz"), "Create-Job")
    doc = make_pdf(1000, seed=24) + b"C" * 100000
    m = d.send_document(jid, gzip.compress(doc), last=True, compression="gzip")
    check_held_response(m, "Send-Document compression=gzip")
    check_stored(d, jid, [("application/pdf", doc)], "Send-Document gzip stored decompressed")


@test
def compression_corrupt(ctx):
    d = ctx.daemon()
    bad = gzip.compress(make_pdf(5000))[:40] + b"\x00garbage" * 20
    m = d.print_job(bad, compression="gzip", name="badgz")
    check_status(m, (STATUS_COMPRESSION_ERROR, STATUS_BAD_REQUEST, STATUS_FORMAT_ERROR),
                 "Print-Job with a corrupt gzip stream")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after corrupt gzip")
    check_eq(d.spool_files(), [], "spool files after corrupt gzip")
    m = d.print_job(make_pdf(100), compression="x-unknown")
    check_status(m, (STATUS_COMPRESSION_NOT_SUPPORTED, STATUS_ATTRIBUTES_NOT_SUPPORTED),
                 "Print-Job compression=x-unknown")


@test
def http_chunked_expect_keepalive(ctx):
    d = ctx.daemon()
    doc1 = make_pdf(300000, seed=31)
    doc2 = make_jpeg(100000, seed=32)
    with HttpConn(d.port) as c:
        req = ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                          op_attrs=[("job-name", TAG_NAME, "chunked-expect"),
                                    ("document-format", TAG_MIMETYPE, "application/pdf")],
                          data=doc1)
        r, m = c.ipp(req, d.path(), chunked=True, expect_continue=True, chunk_size=7000)
        check_eq(r.status, 200, "HTTP status (chunked + Expect: 100-continue)")
        check(c.got_continue, "no '100 Continue' before the body for Expect: 100-continue")
        j1 = check_held_response(m, "Print-Job chunked + 100-continue")
        check("close" not in r.header("connection", "").lower(),
              "server closed the connection after a successful request (Connection: %s)",
              r.header("connection"))
        # second request on the same connection: Content-Length
        req = ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                          op_attrs=[("job-name", TAG_NAME, "keepalive"),
                                    ("document-format", TAG_MIMETYPE, "image/jpeg")], data=doc2)
        r, m = c.ipp(req, d.path())
        j2 = check_held_response(m, "second Print-Job on the same connection")
        # third: chunked without Expect
        r, m = c.ipp(ipp_request(OP_GET_JOBS, d.uri(), "tester"), d.path(), chunked=True)
        check_status(m, STATUS_OK, "third request (chunked Get-Jobs) on the same connection")
        check_eq(sorted(ids_of(m)), sorted([j1, j2]), "jobs listed on the same connection")
    check_stored(d, j1, [("application/pdf", doc1)], "chunked upload")
    check_stored(d, j2, [("image/jpeg", doc2)], "keep-alive upload")
    # http.client (a second HTTP implementation), chunked
    doc3 = make_pdf(70000, seed=33)
    st, hdrs, body = post_httpclient(d.port, encode(ipp_request(
        OP_PRINT_JOB, d.uri(), "tester", op_attrs=[("document-format", TAG_MIMETYPE,
                                                    "application/pdf")], data=doc3)),
        d.path(), chunked=True)
    check_eq(st, 200, "http.client chunked POST status")
    j3 = check_held_response(decode(body), "http.client chunked Print-Job")
    check_stored(d, j3, [("application/pdf", doc3)], "http.client chunked upload")


@test
def http_keepalive_after_refused_request(ctx):
    """After a request refused while its body was still arriving, the same connection either
    serves the next request or was announced closed (Connection: close)."""
    d = ctx.daemon()
    with HttpConn(d.port) as c:
        for i, (fmt, doc) in enumerate((("text/plain", b"plain text " * 20000),
                                        ("application/pdf", make_pdf(2000)))):
            req = ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                              op_attrs=[("document-format", TAG_MIMETYPE, fmt)], data=doc)
            r, m = c.ipp(req, d.path())
            if i == 0:
                check(m is not None, "refused Print-Job: HTTP %d", r.status)
                check_status(m, STATUS_FORMAT_NOT_SUPPORTED, "Print-Job text/plain")
                if "close" in r.header("connection", "").lower():
                    return      # announced: the client must reconnect, which is fine
            else:
                check(m is not None, "second request on the connection: HTTP %d", r.status)
                check_held_response(m, "Print-Job on the connection after a refused request")


@test
def http_pipelined_requests(ctx):
    """Two requests written back to back before reading: two answers in order, or the first
    answer announces Connection: close."""
    d = ctx.daemon()
    reqs = [encode(ipp_request(OP_GET_PRINTER_ATTRIBUTES, d.uri(), "t", request_id=rid,
                               op_attrs=[("requested-attributes", TAG_KEYWORD, "printer-name")]))
            for rid in (101, 102)]
    raw = b"".join(("POST /ipp/print HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                    "application/ipp\r\nContent-Length: %d\r\n\r\n" % (d.port, len(b))).encode() + b
                   for b in reqs)
    with HttpConn(d.port, timeout=10) as c:
        c.send(raw)
        r1 = c.read_response(10)
        check_eq(r1.status, 200, "first pipelined response")
        check_eq(r1.ipp().request_id, 101, "request-id of the first pipelined response")
        if "close" in r1.header("connection", "").lower():
            return
        r2 = c.read_response(10)
        check_eq(r2.status, 200, "second pipelined response")
        check_eq(r2.ipp().request_id, 102, "request-id of the second pipelined response")


@test
def http_1_0_request(ctx):
    d = ctx.daemon()
    body = encode(ipp_request(OP_PRINT_JOB, d.uri(), "old", op_attrs=[
        ("document-format", TAG_MIMETYPE, "application/pdf")], data=make_pdf(4000, seed=61)))
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    try:
        s.sendall(("POST /ipp/print HTTP/1.0\r\nContent-Type: application/ipp\r\n"
                   "Content-Length: %d\r\n\r\n" % len(body)).encode() + body)
        data = b""
        for _ in range(1000):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    check(data.startswith(b"HTTP/1."), "HTTP/1.0 request answered %r", data[:40])
    head, _, rest = data.partition(b"\r\n\r\n")
    check(b" 200 " in head.split(b"\r\n")[0], "HTTP/1.0 Print-Job: %r", head[:60])
    check_held_response(decode(rest), "HTTP/1.0 Print-Job")


@test
def http_many_requests_one_connection(ctx):
    d = ctx.daemon()
    with HttpConn(d.port) as c:
        for i in range(50):
            r, m = c.ipp(ipp_request(OP_GET_PRINTER_ATTRIBUTES, d.uri(), "tester",
                                     op_attrs=[("requested-attributes", TAG_KEYWORD,
                                                "printer-state")]), d.path())
            check(m is not None and m.status == STATUS_OK, "request %d on one connection: %r",
                  i, r)


@test
def two_queues_from_config(ctx):
    d = ctx.daemon(config=TWO_QUEUES)
    docs = {}
    for q in ("office", "lab"):
        m = d.get_printer_attrs(queue=q, requested=["all"])
        check_status(m, STATUS_OK, "Get-Printer-Attributes %s" % q)
        p = m.printer()
        check_eq(p["printer-name"].value if "printer-name" in p else None, q, "printer-name")
        check(any(u.endswith("/ipp/print/" + q) for u in p["printer-uri-supported"].values),
              "printer-uri-supported of %s: %r", q, p["printer-uri-supported"].values)
        exp_info = "Office printer" if q == "office" else "Lab printer"
        check_eq(p["printer-info"].value if "printer-info" in p else None, exp_info,
                 "printer-info of " + q)
        exp_loc = "Floor 2" if q == "office" else "Basement"
        check_eq(p["printer-location"].value if "printer-location" in p else None, exp_loc,
                 "printer-location of " + q)
        exp_mm = "Quire Office" if q == "office" else "Quire Lab"
        check_eq(p["printer-make-and-model"].value if "printer-make-and-model" in p else None,
                 exp_mm, "printer-make-and-model of " + q)
        check_eq(p["color-supported"].value if "color-supported" in p else None,
                 q == "office", "color-supported of " + q)
        exp_media = "iso_a4_210x297mm" if q == "office" else "na_letter_8.5x11in"
        check_eq(p["media-default"].value if "media-default" in p else None, exp_media,
                 "media-default of " + q)
        sides = p["sides-supported"].values if "sides-supported" in p else []
        if q == "lab":
            check_eq(sides, ["one-sided"], "sides-supported of lab (duplex = off)")
        else:
            check("two-sided-long-edge" in sides, "sides-supported of office (duplex = optional)"
                  " lacks two-sided-long-edge: %r", sides)
            check_eq(p["sides-default"].value if "sides-default" in p else None, "one-sided",
                     "sides-default of office (duplex = optional)")
        doc = make_pdf(2000, seed=len(q))
        jid = check_held_response(d.print_job(doc, queue=q, name="to-" + q), "Print-Job to " + q)
        docs[q] = jid
        check_eq(d.api_job(jid)["queue"], q, "/api/jobs queue of the job sent to " + q)
    uuids = set()
    for q in ("office", "lab"):
        m = d.get_jobs(queue=q, which="all")
        check_eq(ids_of(m), [docs[q]], "Get-Jobs on %s lists only its job" % q)
        uuids.add(d.get_printer_attrs(queue=q, requested=["printer-uuid"]).printer()
                  ["printer-uuid"].value)
    check_eq(len(uuids), 2, "distinct printer-uuid per queue")
    qs = d.api_ok("/api/queues")
    by = {q["name"]: q for q in qs}
    check_eq(sorted(by), ["both", "lab", "office"], "/api/queues names")
    p = d.get_printer_attrs(queue="both", requested=["sides-default"]).printer()
    check_eq(p["sides-default"].value if "sides-default" in p else None, "two-sided-long-edge",
             "sides-default of a queue with duplex = default")
    check_eq(by["office"]["info"], "Office printer", "/api/queues office info")
    check_eq(by["lab"]["location"], "Basement", "/api/queues lab location")
    check_eq(by["lab"]["color"], "monochrome", "/api/queues lab color")
    check_eq(by["lab"]["duplex"], "off", "/api/queues lab duplex")
    check_eq(by["office"]["held_jobs"], 1, "/api/queues office held_jobs")
    check(by["office"]["uri"].endswith("/ipp/print/office"), "/api/queues office uri %r",
          by["office"]["uri"])
    jq = d.api_jobs("all", queue="lab")
    check_eq([j["id"] for j in jq], [docs["lab"]], "/api/jobs?queue=lab")
    # a queue not configured
    r = post_raw(d.port, encode(ipp_request(OP_GET_PRINTER_ATTRIBUTES, d.uri("nosuch"), "t")),
                 d.path("nosuch"))
    ok = r.status == 404 or (r.status == 200 and r.ipp().status == STATUS_NOT_FOUND)
    check(ok, "request to /ipp/print/nosuch: HTTP %d %r", r.status, r.body[:60])


@test
def sighup_reload_queues(ctx):
    d = ctx.daemon(config=TWO_QUEUES)
    jid = check_held_response(d.print_job(make_pdf(1000), queue="office"), "Print-Job office")
    d.write_config(TWO_QUEUES.replace("[queue lab]", "[queue annex]"))
    d.hup()
    deadline = time.monotonic() + 10
    names = []
    for _ in range(100):
        names = sorted(q["name"] for q in d.api_ok("/api/queues"))
        if names == ["annex", "both", "office"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check_eq(names, ["annex", "both", "office"], "/api/queues after SIGHUP")
    check_held_response(d.print_job(make_pdf(1000), queue="annex"),
                        "Print-Job to the new queue right after /api/queues listed it")
    r = post_raw(d.port, encode(ipp_request(OP_GET_PRINTER_ATTRIBUTES, d.uri("lab"), "t")),
                 d.path("lab"))
    ok = r.status == 404 or (r.status == 200 and r.ipp().status == STATUS_NOT_FOUND)
    check(ok, "removed queue lab still answers after SIGHUP: HTTP %d", r.status)
    check_held_job(d, jid, "job of a kept queue after SIGHUP", queue="office")


@test
def sighup_reload_log_level(ctx):
    d = ctx.daemon(config="[server]\nlog-level = info\n", log_level=None)
    check_status(d.print_job(make_pdf(500), name="before-hup"), STATUS_OK, "Print-Job")
    time.sleep(0.2)
    check(" info " in d.log_text(), "no info line in the log with log-level = info: %r",
          d.log_text()[-300:])
    d.write_config("[server]\nlog-level = error\n")
    d.hup()
    time.sleep(1.0)
    mark = len(d.log_text())
    for i in range(3):
        check_status(d.print_job(make_pdf(500), name="after-hup-%d" % i), STATUS_OK, "Print-Job")
        d.print_job(b"not a document", fmt="application/octet-stream")
    time.sleep(0.3)
    tail = d.log_text()[mark:]
    noisy = [ln for ln in tail.splitlines() if " debug " in ln or " info " in ln]
    check(not noisy, "info/debug lines still logged after SIGHUP to log-level = error: %r",
          noisy[:5])


@test
def multiple_operation_timeout(ctx):
    d = ctx.daemon(config="[server]\nmultiple-operation-timeout = 2\n")
    m = d.create_job(name="abandoned")
    jid = job_id_of(m, "Create-Job")
    state = None
    deadline = time.monotonic() + 20
    for _ in range(200):
        state = d.get_job_attrs(jid, requested=["job-state"]).jobs()[0]["job-state"].value
        if state in (7, 8, 9) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(state in (7, 8), "Create-Job without a document still in state %r 20 s after a "
          "multiple-operation-timeout of 2 s", state)
    m = d.send_document(jid, make_pdf(500), last=True)
    check_status(m, (STATUS_NOT_POSSIBLE,), "Send-Document to the timed-out job")
    check_eq(d.wait_tmp_empty(), [], "DIR/spool/tmp after the refused Send-Document")


@test
def admin_api(ctx):
    d = ctx.daemon()
    doc = make_pdf(3333, seed=41)
    jid = check_held_response(d.print_job(doc, name="api-job", user="zed"), "Print-Job")
    for path in ("/api/status", "/api/queues", "/api/jobs?which=all"):
        st, _ = d.api(path, token=None)
        check_eq(st, 401, "%s without Authorization" % path)
        st, _ = d.api(path, token="wrong-token")
        check_eq(st, 401, "%s with a wrong token" % path)
    s = d.api_ok("/api/status")
    for k in ("version", "uptime", "queues", "jobs", "spool_bytes"):
        check(k in s, "/api/status lacks %s: %r", k, s)
    check_eq(s["queues"], 1, "/api/status queues")
    check_eq(s["jobs"].get("held"), 1, "/api/status jobs.held")
    check_eq(s["jobs"].get("total"), 1, "/api/status jobs.total")
    check(s["spool_bytes"] >= len(doc), "/api/status spool_bytes %r < %d", s["spool_bytes"],
          len(doc))
    qs = d.api_ok("/api/queues")
    check_eq(len(qs), 1, "/api/queues length")
    q = qs[0]
    for k in ("name", "uri", "info", "location", "uuid", "color", "duplex", "auth", "held_jobs"):
        check(k in q, "/api/queues entry lacks %s: %r", k, q)
    check_eq(q["name"], "default", "/api/queues name")
    check_eq(q["held_jobs"], 1, "/api/queues held_jobs")
    check_eq(q["auth"], "none", "/api/queues auth")
    gpa = d.get_printer_attrs(requested=["printer-uuid"]).printer()["printer-uuid"].value
    check(gpa.endswith(q["uuid"].replace("urn:uuid:", "")),
          "/api/queues uuid %r differs from printer-uuid %r", q["uuid"], gpa)
    js = d.api_jobs("all")
    check_eq(len(js), 1, "/api/jobs length")
    j = js[0]
    for k in ("id", "queue", "owner", "name", "state", "state_name", "reasons", "created",
              "documents"):
        check(k in j, "/api/jobs entry lacks %s: %r", k, j)
    check_eq((j["id"], j["owner"], j["name"], j["state"], j["state_name"]),
             (jid, "zed", "api-job", 4, "pending-held"), "/api/jobs fields")
    check_eq(d.api_jobs("completed"), [], "/api/jobs?which=completed")
    check_eq(len(d.api_jobs("not-completed")), 1, "/api/jobs?which=not-completed")


def cli_check(d, jid, use_url):
    how = {False: "--data-dir DIR", True: "--url URL", "both": "--data-dir DIR --url URL"}[use_url]
    if True:
        r = d.cli("jobs", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s jobs exit status (stderr %r)" % (how, r.stderr[-300:]))
        check("cli-visible-job" in r.stdout or str(jid) in r.stdout,
              "quire %s jobs output does not mention the job: %r", how, r.stdout[:500])
        r = d.cli("jobs", "--json", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s jobs --json exit status (stderr %r)" % (
            how, r.stderr[-300:]))
        try:
            js = json.loads(r.stdout)
        except ValueError:
            raise TestFailure("quire %s jobs --json is not JSON: %r" % (how, r.stdout[:300]))
        check(any(isinstance(j, dict) and j.get("id") == jid for j in js),
              "quire %s jobs --json lacks job %d: %r", how, jid, r.stdout[:300])
        r = d.cli("queues", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s queues exit status (stderr %r)" % (
            how, r.stderr[-300:]))
        check("default" in r.stdout, "quire %s queues does not mention 'default': %r", how,
              r.stdout[:500])
        r = d.cli("queues", "--json", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s queues --json exit status" % how)
        try:
            qs = json.loads(r.stdout)
        except ValueError:
            raise TestFailure("quire %s queues --json is not JSON: %r" % (how, r.stdout[:300]))
        check(any(isinstance(q, dict) and q.get("name") == "default" for q in qs),
              "quire %s queues --json lacks default: %r", how, r.stdout[:300])
        r = d.cli("status", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s status exit status (stderr %r)" % (
            how, r.stderr[-300:]))
        check(r.stdout.strip() != "", "quire %s status printed nothing" % how)
        r = d.cli("status", "--json", use_url=use_url)
        check_eq(r.returncode, 0, "quire %s status --json exit status" % how)
        try:
            s = json.loads(r.stdout)
        except ValueError:
            raise TestFailure("quire %s status --json is not JSON: %r" % (how, r.stdout[:300]))
        check(isinstance(s, dict) and "queues" in s and "jobs" in s,
              "quire %s status --json: %r", how, r.stdout[:300])


@test
def cli_outputs_data_dir_and_url(ctx):
    d = ctx.daemon()
    jid = check_held_response(d.print_job(make_pdf(2000), name="cli-visible-job", user="clara"),
                              "Print-Job")
    cli_check(d, jid, "both")


@test
def cli_outputs_data_dir_only(ctx):
    """The brief's form `quire --data-dir DIR jobs` (no --url), quired on a non-default port."""
    d = ctx.daemon()
    jid = check_held_response(d.print_job(make_pdf(2000), name="cli-visible-job", user="clara"),
                              "Print-Job")
    cli_check(d, jid, False)


if __name__ == "__main__":
    run_tests(__doc__)
