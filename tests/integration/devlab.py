"""devlab: what the device, forwarding and direct-queue tests share. Each test gets its own
MfdLab (a private network namespace with avahi, see mfdlab.py); the test process works inside
that namespace, so the quired it starts reaches the ippeveprinter MFDs at localhost and the
test reaches quired the same way. Helpers: the admin API with JSON bodies, devices, jobs,
releases, waits (all bounded), the documents an MFD kept, the jobs an MFD completed, and a
runner whose last line is "N passed, N failed, N skipped".

Every process is started by the test and stopped by PID; every loop is bounded.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfdlab  # noqa: E402
import quiretest as qt  # noqa: E402

# Small timings so that retries and give-ups happen within seconds.
FAST = """[server]
render-timeout = 120
device-poll-interval = 1
device-timeout = 2
forward-retry-initial = 1
forward-retry-max = 2
forward-max-attempts = {attempts}
forward-give-up-minutes = 5
forward-io-timeout = 3
forward-job-poll = 1
{server}

[queue office]
info = Office

{queues}
"""


class Skip(Exception):
    pass


def check(cond, msg, *args):
    qt.check(cond, msg, *args)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for _ in range(1 << 16):
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


class Ctx:
    """One test: its lab, its daemons, its documents."""

    def __init__(self, args, lab):
        self.bindir = os.path.abspath(args.bin)
        self.keep = args.keep
        self.lab = lab
        self.daemons = []
        self.work = tempfile.mkdtemp(prefix="quire-dev-")
        self._docs = None

    # --- documents and tools ---
    def tool(self, name):
        """A test tool (render-docs, rastercheck): from --bin, else from build/ beside it (the
        sanitizer build has quired, quire and quire-render only)."""
        for d in (self.bindir, os.path.join(os.path.dirname(self.bindir), "build")):
            path = os.path.join(d, "tests", name)
            if os.access(path, os.X_OK):
                return path
        raise qt.TestFailure("test tool %s is not built" % name)

    def docs(self):
        """The project's generated test documents (tests/render-docs)."""
        if self._docs is None:
            self._docs = os.path.join(self.work, "docs")
            subprocess.run([self.tool("render-docs"), self._docs], check=True,
                           capture_output=True, timeout=120)
        return self._docs

    def doc(self, name):
        return os.path.join(self.docs(), name)

    def script(self, name, text):
        """An executable shell script in the work folder (e.g. a slow print command)."""
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + text)
        os.chmod(path, 0o755)
        return path

    # --- MFDs and quired ---
    def mfd(self, name, **kw):
        return self.lab.mfd(name, qt.free_port(), **kw)

    def daemon(self, queues="", server="", attempts=4, start=True):
        d = qt.Daemon(self.bindir, config=FAST.format(queues=queues, server=server,
                                                       attempts=attempts), analysis=True)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def cleanup(self, failed):
        for d in self.daemons:
            try:
                d.stop(15)
            except qt.DaemonError:
                pass
            if failed and d.log_path:
                print("    quired log tail:\n" + "\n".join(
                    "      " + line for line in d.log_tail(25).splitlines()))
            d.cleanup(keep=self.keep)
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)


# --- admin API -------------------------------------------------------------------------------

def api(d, method, path, body=None, token=True):
    """(status, parsed JSON or raw body) of an admin API call with an optional JSON body."""
    hdrs = {"Authorization": "Bearer " + d.admin_token()} if token else {}
    data = json.dumps(body).encode() if body is not None else b""
    with qt.HttpConn(d.port) as c:
        r = c.request(method, path, data, headers=hdrs,
                      content_type="application/json" if body is not None else None)
    try:
        return r.status, json.loads(r.body.decode("utf-8")) if r.body else None
    except (ValueError, UnicodeDecodeError):
        return r.status, r.body


def add_device(d, name, mfd, **kw):
    body = {"name": name, "uri": mfd.uri if hasattr(mfd, "uri") else mfd}
    body.update(kw)
    st, r = api(d, "POST", "/api/devices", body)
    check(st == 201, "adding device %s: HTTP %d %r", name, st, r)
    return r


def device(d, name):
    st, r = api(d, "GET", "/api/devices/" + name)
    check(st == 200, "device %s: HTTP %d %r", name, st, r)
    return r


def wait_device(d, name, pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    dev = None
    while time.monotonic() < deadline:
        dev = device(d, name)
        if pred(dev):
            return dev
        time.sleep(0.2)
    raise qt.TestFailure("device %s: %s not seen in %d s (last: %s)" % (
        name, what, timeout, json.dumps(dev.get("status") if dev else None)))


def submit(d, path, user="alice", queue="office", name="report", job_attrs=(), fmt=None):
    """Print-Job of a file; waits until the job is analysed. Returns the job id."""
    with open(path, "rb") as f:
        data = f.read()
    if fmt is None:
        fmt = "image/jpeg" if path.endswith(".jpg") else "application/pdf"
    m = d.print_job(data, user=user, queue=queue, name=name, fmt=fmt, job_attrs=job_attrs)
    qt.check_status(m, qt.STATUS_OK, "Print-Job of %s" % os.path.basename(path))
    jid = m.value("job-id")
    wait_job(d, jid, lambda j: j["analysis"] != "pending", "analysed", timeout=120)
    return jid


def job(d, jid):
    j = d.api_job(jid)
    check(j is not None, "job %d is not listed", jid)
    return j


def wait_job(d, jid, pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    j = None
    while time.monotonic() < deadline:
        j = d.api_job(jid)
        if j is not None and pred(j):
            return j
        time.sleep(0.1)
    raise qt.TestFailure("job %d: %s not reached in %d s (last: %s %s %r)" % (
        jid, what, timeout, j and j["state_name"], j and j["reasons"], j and j["message"]))


def release(d, jid, device_name, **opts):
    body = {"device": device_name}
    body.update(opts)
    return api(d, "POST", "/api/jobs/%d/release" % jid, body)


def deliveries(d, jid):
    st, r = api(d, "GET", "/api/jobs/%d/deliveries" % jid)
    check(st == 200, "deliveries of job %d: HTTP %d %r", jid, st, r)
    return r


def completed(j):
    return j["state"] == 9


def held(j):
    return j["state"] == 4


# --- what the MFDs did ------------------------------------------------------------------------

def kept(mfd, ext):
    """Documents the MFD kept with extension `ext` (e.g. ".pdf", ".pwg")."""
    return [f for f in mfd.received() if f.endswith(ext)]


def mfd_jobs(mfd, which="completed"):
    """The jobs the MFD reports (Get-Jobs which-jobs=WHICH): list of attribute dicts."""
    req = qt.ipp_request(qt.OP_GET_JOBS, "ipp://localhost:%d/ipp/print" % mfd.port, "tester",
                         op_attrs=[("which-jobs", qt.TAG_KEYWORD, which),
                                   ("requested-attributes", qt.TAG_KEYWORD,
                                    ["job-id", "job-state", "job-state-reasons", "job-name",
                                     "job-impressions-completed", "job-originating-user-name"])])
    m = qt.post_ipp(mfd.port, req, "/ipp/print")
    qt.check_status(m, qt.STATUS_OK, "Get-Jobs on %s" % mfd.name)
    return [{k: (v.values if k == "job-state-reasons" else v.value) for k, v in j.items()}
            for j in m.jobs()]


def mfd_printed(mfd):
    """The jobs the MFD completed (job-state 9; which-jobs=completed also lists canceled and
    aborted ones)."""
    return [j for j in mfd_jobs(mfd, "all") if j["job-state"] == 9]


def raster_pages(ctx, path):
    """Page headers of a PWG raster file as libcups reads it (build/tests/rastercheck)."""
    r = subprocess.run([ctx.tool("rastercheck"), path],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "libcups cannot read %s: %s", path, r.stderr.strip())
    return [json.loads(line) for line in r.stdout.splitlines()]


# --- throttling the lab's loopback ------------------------------------------------------------

class Throttle:
    """Limits the namespace's loopback to `rate` (tc tbf), so a document takes seconds to
    cross and a device can be killed while it streams. Raises Skip if tc cannot do it."""

    def __init__(self, lab, rate="16mbit"):
        self.lab = lab
        self.rate = rate

    def __enter__(self):
        # The bucket must hold a whole loopback packet (64 KiB MTU), or nothing passes.
        r = self.lab.run(["tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", self.rate,
                          "burst", "96kb", "latency", "1000ms"])
        if r.returncode != 0:
            raise Skip("tc tbf unavailable: %s" % r.stderr.strip())
        return self

    def __exit__(self, *exc):
        self.lab.run(["tc", "qdisc", "del", "dev", "lo", "root"])


def wait_file_growing(mfd, ext, timeout=30):
    """Waits until the MFD has started writing a document (a file with `ext`, not empty)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in kept(mfd, ext):
            if os.path.getsize(f) > 0:
                return f
        time.sleep(0.02)
    raise qt.TestFailure("%s never started receiving a %s document" % (mfd.name, ext))


def big_pdf(path, mib=8, seed=1):
    """A valid one-page PDF of about `mib` MiB: an uncompressed image of noise."""
    import random
    rnd = random.Random(seed)
    side = int((mib * 1024 * 1024 / 3) ** 0.5)
    pixels = rnd.randbytes(side * side * 3)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
            b"<< /XObject << /Im 5 0 R >> >> /Contents 4 0 R >>"]
    content = b"q 595 0 0 842 0 0 cm /Im Do Q"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    offsets.append(len(out))
    out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(content) + content + \
        b"\nendstream\nendobj\n"
    offsets.append(len(out))
    out += (b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
            b"/DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(pixels)))
    out += pixels + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    with open(path, "wb") as f:
        f.write(out)
    return path


# --- runner ------------------------------------------------------------------------------------

_TESTS = []


def test(fn):
    _TESTS.append(fn)
    return fn


def run_one(fn, args, tag):
    """Runs one test in its own lab. Returns (error or None, skip reason or None)."""
    err = skip = None
    try:
        with mfdlab.MfdLab(tag) as lab:
            ctx = Ctx(args, lab)
            try:
                with lab.inside():
                    fn(ctx)
                    for d in ctx.daemons:
                        died = d.died_unexpectedly()
                        if died:
                            raise qt.TestFailure(died)
            except Skip as e:
                skip = str(e)
            except qt.TestFailure as e:
                err = str(e)
            except Exception as e:  # noqa: BLE001 - any error fails the test with its reason
                err = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=5))
            if err and args.verbose:
                for m in lab.mfds:
                    err += "\n    %s log tail:\n%s" % (m.name, m.log()[-1500:])
            ctx.cleanup(failed=err is not None)
    except Exception as e:  # noqa: BLE001 - the lab itself failed
        err = (err + "\n" if err else "") + "lab: %s: %s" % (type(e).__name__, e)
    return err, skip


def run(description, tag):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "..", "build"))
    ap.add_argument("-k", dest="filter", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    passed = failed = skipped = 0
    why = mfdlab.missing_tools()
    for fn in _TESTS:
        if args.filter and args.filter not in fn.__name__:
            continue
        if why:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, why), flush=True)
            continue
        t0 = time.monotonic()
        err, skip = run_one(fn, args, tag)
        dt = time.monotonic() - t0
        if skip:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, skip), flush=True)
        elif err is None:
            passed += 1
            print("PASS %s (%.1fs)" % (fn.__name__, dt), flush=True)
        else:
            failed += 1
            print("FAIL %s (%.1fs): %s" % (fn.__name__, dt, err.rstrip()), flush=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped), flush=True)
    sys.exit(1 if failed else 0)
