#!/usr/bin/env python3
"""Durability against the real quired: restarts keep every job intact, kill -9 at random
moments during concurrent submissions never loses an acknowledged job nor leaves an
unreferenced spool file, SIGTERM drops in-flight uploads cleanly, start-up recovery removes
leftovers.

Run: python3 tests/integration/test_durability.py --bin /work/main/build
Environment: QUIRE_KILL_SEED=N to replay a kill -9 schedule; QUIRE_KILLS=N (default 54).
"""
import math
import shutil
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

MAKERS = (("application/pdf", make_pdf), ("image/jpeg", make_jpeg),
          ("image/pwg-raster", make_pwg), ("image/urf", make_urf))


def snapshot(d):
    """id -> (queue, owner, name, state, [(format, size, sha256, path)])"""
    out = {}
    for j in d.api_jobs("all"):
        docs = sorted((x.get("number"), x.get("format"), x.get("size"), x.get("sha256"),
                       x.get("path")) for x in j.get("documents") or [])
        out[j["id"]] = (j.get("queue"), j.get("owner"), j.get("name"), j.get("state"), docs)
    return out


def check_spool_consistent(d, what, hash_all=True):
    """Every spool file is referenced by a job, every referenced file exists (and hashes to the
    stored sha256), DIR/spool/tmp is empty. Returns the snapshot."""
    snap = snapshot(d)
    referenced = {}
    for jid, (_, _, _, _, docs) in snap.items():
        for (_, _, size, sha, path) in docs:
            referenced[os.path.normpath(path)] = (jid, size, sha)
    files = set(d.spool_files())
    unref = sorted(files - set(referenced))
    missing = sorted(set(referenced) - files)
    check(not unref, "%s: %d spool file(s) not referenced by any job: %r", what, len(unref),
          unref[:10])
    check(not missing, "%s: %d referenced document(s) missing from the spool: %r", what,
          len(missing), [(p, referenced[p][0]) for p in missing[:10]])
    tmp = d.tmp_files()
    check(not tmp, "%s: DIR/spool/tmp not empty: %r", what, tmp[:10])
    if hash_all:
        for p, (jid, size, sha) in referenced.items():
            st = os.stat(os.path.join(d.spool_dir, p))
            check_eq(st.st_size, size, "%s: size of spool file %s (job %d)" % (what, p, jid))
            check_eq(d.spool_sha256(p), sha, "%s: sha256 of spool file %s (job %d)" % (
                what, p, jid))
    return snap


@test
def restart_keeps_all_jobs(ctx):
    d = ctx.daemon()
    sent = {}
    rng = random.Random(7)
    for i in range(16):
        fmt, mk = MAKERS[i % 4]
        data = mk(rng.randint(1000, 400000), seed=i)
        m = d.print_job(data, fmt=fmt, name="r%d" % i, user="u%d" % (i % 3))
        check_status(m, STATUS_OK, "Print-Job %d" % i)
        sent[m.jobs()[0]["job-id"].value] = (fmt, data)
    m = d.create_job(name="cj")
    check_status(m, STATUS_OK, "Create-Job")
    cj = m.jobs()[0]["job-id"].value
    data = make_pdf(77777, seed=99)
    check_status(d.send_document(cj, data, last=True), STATUS_OK, "Send-Document")
    sent[cj] = ("application/pdf", data)
    canceled = sorted(sent)[3]
    check_status(d.job_op(OP_CANCEL_JOB, canceled, user="u0"), STATUS_OK, "Cancel-Job")
    before = check_spool_consistent(d, "before restart")
    before_gj = sorted(j["job-id"].value for j in d.get_jobs(which="all").jobs())
    uuid_before = d.get_printer_attrs(requested=["printer-uuid"]).printer()["printer-uuid"].value
    rc = d.stop()
    check_eq(rc, 0, "quired exit status after SIGTERM")
    check_eq(d.tmp_files(), [], "DIR/spool/tmp after clean shutdown")
    d.start()
    after = check_spool_consistent(d, "after restart")
    check_eq(sorted(after), sorted(before), "job ids after restart")
    for jid in before:
        check_eq(after[jid], before[jid], "job %d after restart (queue, owner, name, state, docs)"
                 % jid)
    for jid, (fmt, data) in sent.items():
        docs = after[jid][4]
        if not docs and jid == canceled:
            continue       # a canceled job's document may be purged
        check_eq(len(docs), 1, "documents of job %d" % jid)
        _, f, size, sha, path = docs[0]
        check_eq((f, size, sha), (fmt, len(data), sha256(data)), "stored document of job %d" % jid)
        check_eq(d.spool_sha256(path), sha256(data), "spool file of job %d" % jid)
    check_eq(after[canceled][3], 7, "canceled job state after restart")
    gj = sorted(j["job-id"].value for j in d.get_jobs(which="all").jobs())
    check_eq(gj, before_gj, "Get-Jobs which-jobs=all after restart")
    uuid_after = d.get_printer_attrs(requested=["printer-uuid"]).printer()["printer-uuid"].value
    check_eq(uuid_after, uuid_before, "printer-uuid after restart")
    for jid in sent:
        if jid != canceled:
            m = d.get_job_attrs(jid, user="u0", requested=["job-state", "job-hold-until"])
            check_eq(m.jobs()[0]["job-state"].value, 4, "job-state of %d after restart" % jid)
    m = d.print_job(make_pdf(1000), name="after")
    check_status(m, STATUS_OK, "Print-Job after restart")
    new = m.jobs()[0]["job-id"].value
    check(new > max(sent), "job id reused after restart: new %d <= old max %d", new, max(sent))


@test
def startup_recovery_removes_leftovers(ctx):
    d = ctx.daemon()
    data = make_pdf(5000, seed=3)
    m = d.print_job(data)
    check_status(m, STATUS_OK, "Print-Job")
    check_eq(d.stop(), 0, "exit status after SIGTERM")
    os.makedirs(os.path.join(d.spool_dir, "tmp"), exist_ok=True)
    junk = [os.path.join(d.spool_dir, "tmp", "leftover.part"),
            os.path.join(d.spool_dir, "tmp", "x")]
    orphans = [os.path.join(d.spool_dir, "orphan.pdf"), os.path.join(d.spool_dir, "zz.bin")]
    for p in junk + orphans:
        with open(p, "wb") as f:
            f.write(b"%PDF-junk" * 100)
    d.start()
    left = [p for p in junk + orphans if os.path.exists(p)]
    check(not left, "start-up recovery left these files: %r", left)
    check_spool_consistent(d, "after recovery")
    check_eq(len(d.api_jobs("all")), 1, "jobs after recovery")


@test
def sigterm_drops_inflight_upload(ctx):
    d = ctx.daemon()
    data = make_pdf(3000, seed=4)
    check_status(d.print_job(data), STATUS_OK, "Print-Job")
    before = snapshot(d)
    total = 50 * 1024 * 1024
    head = encode(ipp_request(OP_PRINT_JOB, d.uri(), "tester",
                              op_attrs=[("document-format", TAG_MIMETYPE, "application/pdf")]))
    c = HttpConn(d.port, timeout=10)
    try:
        c.send(("POST /ipp/print HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/ipp"
                "\r\nContent-Length: %d\r\n\r\n" % (d.port, len(head) + total)).encode())
        c.send(head + PDF_HEAD)
        block = filler(1 << 20, 5)
        for _ in range(8):
            c.send(block)
        # the upload is in progress: a temporary file exists (bounded wait)
        saw_tmp = False
        for _ in range(50):
            if d.tmp_files():
                saw_tmp = True
                break
            time.sleep(0.05)
        t0 = time.monotonic()
        rc = d.stop(timeout=15)
        dt = time.monotonic() - t0
        check_eq(rc, 0, "exit status after SIGTERM with an upload in flight")
        # quired may give in-flight requests a short grace period before dropping them;
        # d.stop() already fails if it takes more than 15 s
        ctx.log("SIGTERM with a stalled upload in flight: exit after %.1fs" % dt)
    finally:
        c.close()
    check_eq(d.tmp_files(), [], "DIR/spool/tmp right after SIGTERM (upload in flight; "
             "temporary file seen during upload: %s)" % saw_tmp)
    d.start()
    after = check_spool_consistent(d, "after restart")
    check_eq(after, before, "jobs after SIGTERM with an upload in flight")


# ---------------------------------------------------------------------------------------------
# fsync before the acknowledgement (kill -9 cannot show this: the page cache survives it)
# ---------------------------------------------------------------------------------------------

SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs")


def parse_strace(path):
    """Events (index, pid, syscall, text) from `strace -f -yy` output, each placed where the
    call completed (an '<unfinished ...>' call is placed at its 'resumed' line)."""
    events = []
    pending = {}
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        pid, rest = parts[0], parts[2]
        if rest.startswith("<..."):
            name = rest[5:].split(" ", 1)[0]
            start = pending.pop((pid, name), "")
            events.append((i, pid, name, start + rest))
            continue
        name = rest.split("(", 1)[0]
        if rest.endswith("<unfinished ...>"):
            pending[(pid, name)] = rest
            continue
        events.append((i, pid, name, rest))
    return events


@test
def fsync_before_acknowledgement(ctx):
    if not shutil.which("strace"):
        raise TestFailure("strace is not installed (apt-get install strace)")
    d = ctx.daemon(start=False)
    trace = os.path.join(d.workdir, "strace.log")
    d.wrapper = ["strace", "-f", "-yy", "-tt", "-s", "64", "-o", trace, "-e",
                 "trace=fsync,fdatasync,sync_file_range,syncfs,rename,renameat,renameat2,"
                 "link,linkat,sendto,sendmsg,writev,write,pwrite64,openat", "--"]
    d.start(timeout=30)
    # a marker request right before, so the Print-Job's events are easy to find
    data = make_pdf(300000, seed=12)
    m = d.print_job(data, name="fsync-probe")
    check_status(m, STATUS_OK, "Print-Job under strace")
    jid = m.jobs()[0]["job-id"].value
    doc = d.api_job(jid)["documents"][0]
    final = os.path.join(d.spool_dir, doc["path"])
    check_eq(d.stop(30), 0, "exit status under strace")
    ev = parse_strace(trace)
    # the response to the Print-Job: the first write of "HTTP/1.1 200" on a TCP socket after
    # the document was renamed into place
    i_rename = next((i for i, _, n, t in ev if n.startswith("rename") and
                     os.path.basename(final) in t and t.rstrip().endswith("= 0")), None)
    check(i_rename is not None, "no rename of %s into the spool in the trace (%s)", final, trace)
    i_resp = next((i for i, _, n, t in ev if i > i_rename and
                   n in ("sendto", "sendmsg", "writev", "write") and "TCP" in t and
                   "HTTP/1.1 200" in t), None)
    check(i_resp is not None, "no HTTP response found after the rename in %s", trace)
    syncs = [(i, n, t) for i, _, n, t in ev if n in SYNC_CALLS and i < i_resp and "= 0" in t]
    part = ev[[e[0] for e in ev].index(i_rename)][3].split('"')[1]     # rename("old.part", ..)
    doc_writes = [i for i, _, n, t in ev if n in ("write", "pwrite64", "writev") and
                  os.path.basename(part) in t.split(",")[0] and i < i_rename]
    last_doc_write = max(doc_writes) if doc_writes else i_rename
    db_writes = [i for i, _, n, t in ev if n in ("write", "pwrite64") and "quire.db" in
                 t.split(",")[0] and i_rename < i < i_resp]
    # syncfs flushes the whole file system: it covers whatever was written before it
    doc_ok = any((n in ("fsync", "fdatasync") and (os.path.basename(part) in t or
                                                   os.path.basename(final) in t)) or
                 (n == "syncfs" and i > last_doc_write) for i, n, t in syncs)
    dir_ok = any(i > i_rename and ((n in ("fsync", "fdatasync") and
                                    (d.spool_dir + ">" in t or d.spool_dir + "/>" in t)) or
                                   n == "syncfs") for i, n, t in syncs)
    last_db_write = max(db_writes) if db_writes else i_rename
    db_ok = any(i > last_db_write and ((n in ("fsync", "fdatasync") and "quire.db" in t) or
                                       n == "syncfs") for i, n, t in syncs)
    ctx.log("sync calls between the document's rename and its response: %r" % [
        t.split(")")[0] + ")" for i, n, t in syncs if i > i_rename])
    problems = []
    if not doc_ok:
        problems.append("the document's data was not synced (fsync of the file, or syncfs after "
                        "its last write) before the response")
    if not dir_ok:
        problems.append("the rename into the spool was not synced (fsync of the spool folder "
                        "or syncfs) before the response")
    if not db_ok:
        problems.append("quire.db / quire.db-wal was not synced after the job's commit was "
                        "written (is SQLite's synchronous=NORMAL in WAL mode? that commits "
                        "without an fsync)")
    if problems:
        near = [t for i, n, t in syncs if i > i_rename - 50][:12]
        raise TestFailure("successful-ok was sent before durability: %s; sync calls seen "
                          "before the response: %r (trace %s)" % ("; ".join(problems), near,
                                                                  trace))


# ---------------------------------------------------------------------------------------------
# kill -9 during concurrent submissions
# ---------------------------------------------------------------------------------------------

class Submitter(threading.Thread):
    """Submits Print-Jobs (and some Create-Job + Send-Document) until told to stop."""

    def __init__(self, d, idx, seed, stop, max_requests=400):
        super().__init__(daemon=True)
        self.d = d
        self.idx = idx
        self.rng = random.Random(seed)
        self.stop = stop
        self.max_requests = max_requests
        self.acks = {}          # job id -> (format, size, sha256)
        self.errors = 0
        self.protocol_errors = []

    def doc(self):
        size = int(math.exp(self.rng.uniform(math.log(1024), math.log(2 * 1024 * 1024))))
        fmt, _ = MAKERS[self.rng.randrange(4)]
        magic = {"application/pdf": PDF_HEAD, "image/jpeg": JPEG_SMALL,
                 "image/pwg-raster": b"RaS2", "image/urf": b"UNIRAST\x00"}[fmt]
        body = magic + self.rng.randbytes(max(0, size - len(magic)))
        return fmt, body

    def run(self):
        conn = None
        for n in range(self.max_requests):
            if self.stop.is_set():
                break
            fmt, body = self.doc()
            try:
                if conn is None:
                    conn = HttpConn(self.d.port, timeout=20)
                if self.rng.random() < 0.2:
                    r, m = conn.ipp(ipp_request(OP_CREATE_JOB, self.d.uri(), "t%d" % self.idx,
                                                op_attrs=[("job-name", TAG_NAME, "c%d" % n)]),
                                    "/ipp/print")
                    if m is None or m.status != STATUS_OK:
                        self.protocol_errors.append("Create-Job: %r" % (m and m.describe() or r))
                        conn.close()
                        conn = None
                        continue
                    jid = m.jobs()[0]["job-id"].value
                    req = ipp_request(OP_SEND_DOCUMENT, self.d.uri(), "t%d" % self.idx,
                                      op_attrs=[("job-id", TAG_INTEGER, jid),
                                                ("last-document", TAG_BOOLEAN, True),
                                                ("document-format", TAG_MIMETYPE, fmt)],
                                      data=body)
                else:
                    req = ipp_request(OP_PRINT_JOB, self.d.uri(), "t%d" % self.idx,
                                      op_attrs=[("job-name", TAG_NAME, "p%d" % n),
                                                ("document-format", TAG_MIMETYPE, fmt)],
                                      data=body)
                r, m = conn.ipp(req, "/ipp/print", chunked=self.rng.random() < 0.3)
                if m is not None and m.status == STATUS_OK:
                    jid = m.jobs()[0]["job-id"].value
                    self.acks[jid] = (fmt, len(body), sha256(body))
                else:
                    if not self.stop.is_set():
                        self.protocol_errors.append("submission: HTTP %d %s" % (
                            r.status, m.describe() if m else r.body[:80]))
                    conn.close()
                    conn = None
            except (OSError, HttpError, IppDecodeError, ValueError):
                self.errors += 1
                if conn is not None:
                    conn.close()
                    conn = None
                if self.stop.is_set():
                    break
                time.sleep(0.02)
        if conn is not None:
            conn.close()


def verify_after_crash(d, acked, verified_ids, what, problems):
    """Checks every acknowledged job; returns the number of lost acknowledged jobs."""
    try:
        snap = check_spool_consistent(d, what, hash_all=False)
    except TestFailure as e:
        problems.append(str(e))
        snap = snapshot(d)
    lost = 0
    for jid, (fmt, size, sha) in acked.items():
        j = snap.get(jid)
        if j is None:
            lost += 1
            problems.append("%s: acknowledged job %d (%s, %d bytes) lost" % (what, jid, fmt, size))
            continue
        docs = j[4]
        if len(docs) != 1 or docs[0][1:4] != (fmt, size, sha):
            lost += 1
            problems.append("%s: acknowledged job %d has documents %r, sent (%s, %d, %s)" % (
                what, jid, docs, fmt, size, sha))
            continue
        if j[3] != 4:
            problems.append("%s: acknowledged job %d in state %r, not 4 (held)" % (what, jid, j[3]))
    # hash the spool files of jobs not verified yet (acknowledged or not)
    for jid, (_, _, _, _, docs) in snap.items():
        if jid in verified_ids:
            continue
        for (_, _, size, sha, path) in docs:
            p = os.path.join(d.spool_dir, path)
            if os.path.exists(p):
                got = d.spool_sha256(path)
                if got != sha:
                    problems.append("%s: job %d spool file %s sha256 %s != stored %s" % (
                        what, jid, path, got, sha))
        verified_ids.add(jid)
    return lost


@test
def kill9_during_concurrent_submissions(ctx):
    seed = int(os.environ.get("QUIRE_KILL_SEED", str(int(time.time()))))
    want_kills = int(os.environ.get("QUIRE_KILLS", "54"))
    rng = random.Random(seed)
    ctx.log("seed %d (QUIRE_KILL_SEED to replay), target %d kills" % (seed, want_kills))
    time_limit = 480.0
    t_end = time.monotonic() + time_limit
    kills = startup_kills = total_acks = lost_total = cycles = 0
    threads_n = 8
    cycles_per_dir = 6
    problems = []
    for rnd in range(40):
        if kills >= want_kills or time.monotonic() > t_end:
            break
        d = ctx.daemon(start=False)
        acked = {}
        verified = set()
        for cycle in range(cycles_per_dir):
            if kills >= want_kills or time.monotonic() > t_end:
                break
            cycles += 1
            if cycle == 1:
                # a kill during start-up recovery
                d.start(wait=False)
                time.sleep(rng.uniform(0.0, 0.08))
                d.kill9()
                startup_kills += 1
            d.start()
            if acked or cycle:
                lost_total += verify_after_crash(d, acked, verified, "round %d cycle %d" % (
                    rnd, cycle), problems)
            stop = threading.Event()
            subs = [Submitter(d, i, rng.randrange(1 << 30), stop) for i in range(threads_n)]
            for s in subs:
                s.start()
            time.sleep(rng.uniform(0.1, 1.6))
            d.kill9()
            kills += 1
            stop.set()
            for s in subs:
                s.join(30)
                if s.is_alive():
                    problems.append("submitter thread did not stop within 30 s")
                acked.update(s.acks)
                total_acks += len(s.acks)
                problems.extend(s.protocol_errors[:3])
            if len(problems) > 200:
                break
        d.start()
        lost_total += verify_after_crash(d, acked, verified, "round %d final" % rnd, problems)
        try:
            check_spool_consistent(d, "round %d final (full hash)" % rnd, hash_all=True)
        except TestFailure as e:
            problems.append(str(e))
        d.stop()
        d.cleanup(keep=ctx.keep and bool(problems))
        if len(problems) > 200:
            break
    ctx.log("totals: %d acknowledged jobs, %d kill -9 during submissions, %d kill -9 during "
            "start-up, %d cycles, %d acknowledged jobs lost" % (total_acks, kills, startup_kills,
                                                               cycles, lost_total))
    check(not problems, "%d problem(s) (seed %d):\n  %s", len(problems), seed,
          "\n  ".join(problems[:25]))
    check(kills >= 50, "only %d kill -9 points within %.0f s (need 50)", kills, time_limit)
    check(total_acks > 0, "no job was acknowledged at all")


if __name__ == "__main__":
    run_tests(__doc__)
