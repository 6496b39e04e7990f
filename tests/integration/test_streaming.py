#!/usr/bin/env python3
"""Streaming against the real quired: a 1 GiB chunked upload is stored with the right size and
sha256 while quired's memory stays flat (< 16 MiB growth); documents over max-document-size are
refused (IPP client-error-request-entity-too-large 0x0408, or HTTP 413) without leaving anything in the spool.

Run: python3 tests/integration/test_streaming.py --bin /work/main/build
Environment: QUIRE_BIG_MIB=N to change the big upload size (default 1024).
"""
import gzip
import hashlib
import os
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

MiB = 1024 * 1024
BIG_CONF = """[server]
max-document-size = 2G
"""
SMALL_CONF = """[server]
max-document-size = 10M
"""


class RssSampler(threading.Thread):
    """Samples VmRSS of a pid every `interval` seconds until stopped (bounded)."""

    def __init__(self, pid, interval=0.1, max_samples=20000):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.max_samples = max_samples
        self.samples = []
        self.stop_ev = threading.Event()

    def run(self):
        for _ in range(self.max_samples):
            if self.stop_ev.is_set():
                break
            st = read_proc_status(self.pid)
            if "VmRSS" in st:
                self.samples.append(st["VmRSS"])
            self.stop_ev.wait(self.interval)

    def stop(self):
        self.stop_ev.set()
        self.join(5)
        return max(self.samples) if self.samples else 0


def big_body(total, hasher, block=MiB):
    """Generator: IPP-less document bytes: a PDF header then pseudo-random blocks, `total` bytes
    in all, hashed on the fly. Never holds more than one block."""
    base = filler(block, 77)
    sent = 0
    first = PDF_HEAD
    hasher.update(first)
    yield first
    sent += len(first)
    i = 0
    for _ in range(total // block + 2):
        if sent >= total:
            break
        n = min(block, total - sent)
        # vary each block cheaply so the file is not one block repeated
        piece = i.to_bytes(8, "big") + base[8:n] if n >= 8 else base[:n]
        hasher.update(piece)
        yield piece
        sent += n
        i += 1


@test
def upload_1gib_chunked_flat_memory(ctx):
    total = int(os.environ.get("QUIRE_BIG_MIB", "1024")) * MiB
    d = ctx.daemon(config=BIG_CONF)
    # warm up: a small job, so one-time allocations (store, first thread) happen before
    check_status(d.print_job(make_pdf(200000)), STATUS_OK, "warm-up Print-Job")
    time.sleep(0.3)
    st0 = d.rss()
    rss0 = st0.get("VmRSS", 0)
    ctx.log("before: VmRSS %d kB, VmHWM %d kB" % (rss0, st0.get("VmHWM", 0)))
    hasher = hashlib.sha256()
    head = encode(ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                              op_attrs=[("job-name", TAG_NAME, "big"),
                                        ("document-format", TAG_MIMETYPE, "application/pdf")]))

    def gen():
        yield head
        yield from big_body(total, hasher)

    sampler = RssSampler(d.pid)
    sampler.start()
    t0 = time.monotonic()
    with HttpConn(d.port, timeout=180) as c:
        r = c.request("POST", "/ipp/print", gen(), chunked=True, timeout=180)
        early = c.early_response
    dt = time.monotonic() - t0
    peak_sampled = sampler.stop()
    st1 = d.rss()
    ctx.log("upload of %d MiB took %.1fs (%.0f MiB/s); after: VmRSS %d kB, VmHWM %d kB, "
            "sampled peak %d kB" % (total // MiB, dt, total / MiB / max(dt, 0.001),
                                    st1.get("VmRSS", 0), st1.get("VmHWM", 0), peak_sampled))
    check(not early, "server answered before the upload was complete: HTTP %d %r" % (
        r.status, r.body[:100]))
    check_eq(r.status, 200, "HTTP status of the 1 GiB upload")
    m = r.ipp()
    check_status(m, STATUS_OK, "1 GiB Print-Job")
    jid = m.jobs()[0]["job-id"].value
    growth_kb = max(st1.get("VmHWM", 0), peak_sampled, st1.get("VmRSS", 0)) - rss0
    check(growth_kb < 16 * 1024, "quired memory grew by %d kB (%.1f MiB) during the 1 GiB upload "
          "(before VmRSS %d kB, after VmHWM %d kB, sampled peak RSS %d kB)", growth_kb,
          growth_kb / 1024.0, rss0, st1.get("VmHWM", 0), peak_sampled)
    j = d.api_job(jid)
    check(j is not None and len(j["documents"]) == 1, "job %d in /api/jobs: %r", jid, j)
    doc = j["documents"][0]
    check_eq(doc["size"], total, "stored size of the 1 GiB document")
    check_eq(doc["sha256"], hasher.hexdigest(), "stored sha256 of the 1 GiB document")
    check_eq(doc["format"], "application/pdf", "stored format")
    p = os.path.join(d.spool_dir, doc["path"])
    check_eq(os.path.getsize(p), total, "spool file size")
    t1 = time.monotonic()
    check_eq(d.spool_sha256(doc["path"]), hasher.hexdigest(), "sha256 of the spool file")
    ctx.log("hashing the spool file took %.1fs" % (time.monotonic() - t1))
    check_eq(d.tmp_files(), [], "DIR/spool/tmp after the upload")
    check(d.answers(), "daemon does not answer after the 1 GiB upload")


def refused(r, what):
    ok = r.status == 413 or (r.status == 200 and r.body and
                             r.ipp().status == STATUS_TOO_LARGE)
    desc = "HTTP %d" % r.status
    if r.status == 200 and r.body:
        desc += " " + r.ipp().describe()
    check(ok, "%s: expected IPP 0x0408 client-error-request-entity-too-large or HTTP 413, got %s",
          what, desc)


def check_nothing_left(d, what, jobs_before):
    left = d.wait_tmp_empty(5)
    check_eq(left, [], "%s: DIR/spool/tmp leftovers" % what)
    check_eq(d.spool_files(), [], "%s: spool files" % what)
    n = [j["id"] for j in d.api_jobs("not-completed")]
    check_eq(n, jobs_before, "%s: held jobs" % what)
    check(d.answers(), "%s: daemon does not answer afterwards" % what)


def stream_upload(d, total, chunked, expect=False):
    head = encode(ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                              op_attrs=[("document-format", TAG_MIMETYPE, "application/pdf")]))
    hasher = hashlib.sha256()

    def gen():
        yield head
        yield from big_body(total, hasher)
    hdrs = None if chunked else {"Content-Length": str(len(head) + total)}
    with HttpConn(d.port, timeout=60) as c:
        try:
            r = c.request("POST", "/ipp/print", gen(), chunked=chunked, headers=hdrs,
                          expect_continue=expect, timeout=60)
        except (ConnectionResetError, BrokenPipeError) as e:
            raise TestFailure("connection dropped without a response (%s) after %d bytes sent" % (
                e, c.bytes_sent))
    return r


@test
def over_limit_content_length_refused(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    r = stream_upload(d, 50 * 1000 * 1000, chunked=False)
    refused(r, "50 MB Content-Length upload with max-document-size=10M")
    check_nothing_left(d, "after refused 50 MB upload", [])


@test
def over_limit_chunked_refused(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    r = stream_upload(d, 50 * 1000 * 1000, chunked=True)
    refused(r, "50 MB chunked upload with max-document-size=10M")
    check_nothing_left(d, "after refused chunked 50 MB upload", [])


@test
def over_limit_expect_continue_refused(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    r = stream_upload(d, 50 * 1000 * 1000, chunked=False, expect=True)
    refused(r, "50 MB upload with Expect: 100-continue and max-document-size=10M")
    check_nothing_left(d, "after refused 50 MB upload (100-continue)", [])


@test
def over_limit_send_document_refused(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    m = d.create_job(name="big-sd")
    check_status(m, STATUS_OK, "Create-Job")
    jid = m.jobs()[0]["job-id"].value
    head = encode(ipp_request(OP_SEND_DOCUMENT, d.uri(), "tester",
                              op_attrs=[("job-id", TAG_INTEGER, jid),
                                        ("last-document", TAG_BOOLEAN, True),
                                        ("document-format", TAG_MIMETYPE, "application/pdf")]))
    hasher = hashlib.sha256()

    def gen():
        yield head
        yield from big_body(30 * MiB, hasher)
    with HttpConn(d.port, timeout=60) as c:
        r = c.request("POST", "/ipp/print", gen(), chunked=True, timeout=60)
    refused(r, "30 MiB Send-Document with max-document-size=10M")
    left = d.wait_tmp_empty(5)
    check_eq(left, [], "DIR/spool/tmp leftovers after refused Send-Document")
    check_eq(d.spool_files(), [], "spool files after refused Send-Document")
    check(d.answers(), "daemon does not answer afterwards")


@test
def over_limit_gzip_bomb_refused(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [co.compress(PDF_HEAD)]
    zeros = bytes(MiB)
    for _ in range(50):
        parts.append(co.compress(zeros))
    parts.append(co.flush())
    comp = b"".join(parts)
    ctx.log("gzip bomb: %d bytes compressed -> %d MiB" % (len(comp), 50))
    m = d.print_job(comp, compression="gzip", name="bomb")
    check_status(m, STATUS_TOO_LARGE, "gzip document decompressing to 50 MiB, limit 10M")
    check_nothing_left(d, "after refused gzip bomb", [])


@test
def under_limit_accepted(ctx):
    d = ctx.daemon(config=SMALL_CONF)
    data = make_pdf(5 * MiB, seed=8)
    m = d.print_job(data, name="5mib")
    check_status(m, STATUS_OK, "5 MiB Print-Job with max-document-size=10M")
    jid = m.jobs()[0]["job-id"].value
    doc = d.api_job(jid)["documents"][0]
    check_eq((doc["size"], doc["sha256"]), (len(data), sha256(data)), "stored 5 MiB document")
    p = d.get_printer_attrs(requested=["job-k-octets-supported"]).printer()
    if "job-k-octets-supported" in p:
        lo, hi = p["job-k-octets-supported"].value
        check(hi <= 10 * 1024 + 1, "job-k-octets-supported upper bound %d kB with a 10M limit",
              hi)


if __name__ == "__main__":
    run_tests(__doc__)
