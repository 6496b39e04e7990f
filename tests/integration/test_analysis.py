#!/usr/bin/env python3
"""Document analysis of held jobs in isolated renderer processes, against the real quired.

The daemon side (core/analyzer.c, core/render-run.c) is exercised with scripted renderers that
answer, refuse, crash, hang or run away, configured as `render-command`, so each failure mode
is deterministic; the real quire-render (render/) is exercised on generated PDFs and JPEGs and
on broken documents mixed with good jobs, when it has been built.

Run: python3 tests/integration/test_analysis.py --bin build
"""
import json
import os
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

# A renderer that answers like quire-render --info, echoing the options it was given, so the
# test can check what the daemon passed (copies, sides, colour, media) and that the counts flow
# into the job. Pages come from the document size: one page per 1000 bytes.
ECHO = r"""#!/usr/bin/env python3
import json, os, sys
a = sys.argv[1:]
opt = lambda k, d=None: a[a.index(k) + 1] if k in a else d
size = os.path.getsize(a[0])
pages = max(1, size // 1000)
copies = int(opt("--copies", "1"))
two = opt("--sides", "one-sided") != "one-sided"
mono = opt("--color") == "sgray"
color = 0 if mono else (pages + 1) // 2
thumb = opt("--thumbnail")
if thumb:
    open(thumb, "wb").write(b"\xff\xd8\xff\xe0fake-thumbnail")
print(json.dumps({"format": opt("--format"), "pages": pages, "color_pages": color,
                  "sheets": copies * ((pages + 1) // 2 if two else pages),
                  "args": a[1:], "per_page": []}))
"""

CRASH = "#!/bin/sh\necho \"$$\" >> %(dir)s/crash.pids\nkill -SEGV $$\n"
HANG = "#!/bin/sh\necho \"$$\" > %(dir)s/hang.pid\nexec sleep 600\n"
REFUSE = "#!/bin/sh\necho 'quire-render: the PDF is damaged: no valid cross-reference table' >&2\nexit 4\n"
SPIN = "#!/usr/bin/env python3\nwhile True:\n    pass\n"
GARBAGE = "#!/bin/sh\necho 'this is not JSON'\n"


def renderer(d, name, text):
    path = os.path.join(d.workdir, name)
    with open(path, "w") as f:
        f.write(text % {"dir": d.workdir} if "%(dir)s" in text else text)
    os.chmod(path, stat.S_IRWXU)
    return path


def config(cmd, extra=""):
    return ("[server]\nlog-level = debug\nrender-command = %s\n%s\n"
            "[queue office]\ninfo = Office\n\n[queue mono]\ncolor = monochrome\n" % (cmd, extra))


def job_attrs(d, job_id, user="alice"):
    m = d.get_job_attrs(job_id, user=user, queue="office")
    check_status(m, STATUS_OK, "Get-Job-Attributes %d" % job_id)
    return m.jobs()[0]


def submit(d, doc, queue="office", fmt="application/pdf", job_attrs=(), user="alice"):
    m = d.print_job(doc, user=user, queue=queue, fmt=fmt, job_attrs=job_attrs)
    check_status(m, STATUS_OK, "Print-Job")
    return m.jobs()[0]["job-id"].value


@test
def counts_reach_the_job(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "echo-render", ECHO)))
    d.start()
    jid = submit(d, make_pdf(5200), job_attrs=[("copies", TAG_INTEGER, 2),
                                                ("sides", TAG_KEYWORD, "two-sided-long-edge")])
    job = wait_job(d, jid, analysed, "analysis")
    check_eq(value(job, "job-pages"), 5, "job-pages")
    check_eq(value(job, "job-impressions"), 10, "job-impressions (5 pages x 2 copies)")
    check_eq(value(job, "job-media-sheets"), 6, "job-media-sheets (duplex, 2 copies)")
    col = {a.name: a.value for a in job["job-impressions-col"].value}
    check_eq(col, {"full-color": 6, "monochrome": 4}, "job-impressions-col")
    check_eq(value(job, "job-state"), 4, "still held")
    mine = [j for j in d.api_ok("/api/jobs") if j["id"] == jid][0]
    check_eq((mine["pages"], mine["sheets"], mine["color_pages"]), (5, 6, 3), "API counts")
    check(mine.get("thumbnail") and os.path.exists(mine["thumbnail"]), "thumbnail file")
    args = d.api_ok("/api/jobs/%d/analysis" % jid)[0]["args"]
    for flag, v in (("--copies", "2"), ("--sides", "two-sided-long-edge"), ("--color", "srgb"),
                    ("--format", "application/pdf"), ("--media", "iso_a4_210x297mm")):
        check(flag in args and args[args.index(flag) + 1] == v, "renderer got %s %s: %r" % (
            flag, v, args))
    # a monochrome queue renders grey: no colour pages whatever the document
    jid2 = submit(d, make_pdf(3100), queue="mono")
    job2 = wait_job(d, jid2, analysed, "analysis", queue="mono")
    col2 = {a.name: a.value for a in job2["job-impressions-col"].value}
    check_eq(col2["full-color"], 0, "full-color on a monochrome queue")


@test
def refused_document_aborts_the_job_with_a_reason(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "refuse", REFUSE)))
    d.start()
    jid = submit(d, make_pdf(2000))
    job = wait_job(d, jid, aborted, "aborted")
    reasons = job["job-state-reasons"].values
    check("document-format-error" in reasons, "reasons %r" % reasons)
    msg = value(job, "job-state-message") or ""
    check("no valid cross-reference table" in msg, "message %r" % msg)


@test
def crashing_renderer_is_retried_then_gives_up(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "crash", CRASH)))
    d.start()
    jid = submit(d, make_pdf(2000))
    job = wait_job(d, jid, aborted, "aborted after repeated crashes")
    check("document-unprintable-error" in job["job-state-reasons"].values, "reasons")
    with open(os.path.join(d.workdir, "crash.pids")) as f:
        runs = len(f.read().split())
    check_eq(runs, 3, "renderer runs before giving up")
    check("failed 3 times" in (value(job, "job-state-message") or ""), "message")
    m = d.get_printer_attrs()
    check_status(m, STATUS_OK, "daemon still answers")


@test
def hung_renderer_is_killed_at_the_timeout(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "hang", HANG), "render-timeout = 2"))
    d.start()
    t0 = time.monotonic()
    jid = submit(d, make_pdf(2000))
    job = wait_job(d, jid, aborted, "aborted at the timeout", timeout=20)
    dt = time.monotonic() - t0
    check(1.5 < dt < 10, "aborted after %.1f s with a 2 s timeout" % dt)
    check("longer than 2 seconds" in (value(job, "job-state-message") or ""), "message")
    with open(os.path.join(d.workdir, "hang.pid")) as f:
        pid = int(f.read())
    for _ in range(50):
        if not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z":
            break
        time.sleep(0.1)
    else:
        raise TestFailure("the hung renderer (pid %d) is still running" % pid)


@test
def runaway_cpu_is_stopped_by_its_limit(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "spin", SPIN), "render-cpu = 1\nrender-timeout = 30"))
    d.start()
    jid = submit(d, make_pdf(2000))
    job = wait_job(d, jid, aborted, "aborted at the CPU limit", timeout=20)
    check("CPU time" in (value(job, "job-state-message") or ""), "message %r" % value(
        job, "job-state-message"))


@test
def bad_answer_and_missing_renderer(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "garbage", GARBAGE)))
    d.start()
    jid = submit(d, make_pdf(2000))
    job = wait_job(d, jid, aborted, "aborted after invalid answers")
    check("no valid analysis" in (value(job, "job-state-message") or ""), "message")
    # a missing renderer is an installation problem: jobs stay held, and are analysed once
    # a renderer is there (after a restart)
    d.stop()
    d.write_config(config(os.path.join(d.workdir, "does-not-exist")))
    d.start()
    jid2 = submit(d, make_pdf(4100))
    time.sleep(1.0)
    job2 = job_attrs(d, jid2)
    check_eq(value(job2, "job-state"), 4, "held while no renderer can run")
    check(not analysed(job2), "no counts without a renderer")
    d.stop()
    d.write_config(config(renderer(d, "echo-render", ECHO)))
    d.start()
    job2 = wait_job(d, jid2, analysed, "analysed after the restart")
    check_eq(value(job2, "job-pages"), 4, "pages after restart")


@test
def stop_kills_a_running_renderer(ctx):
    d = ctx.daemon(start=False, analysis=True)
    d.write_config(config(renderer(d, "hang", HANG)))
    d.start()
    jid = submit(d, make_pdf(2000))
    pidfile = os.path.join(d.workdir, "hang.pid")
    for _ in range(100):
        if os.path.exists(pidfile) and open(pidfile).read().strip():
            break
        time.sleep(0.05)
    pid = int(open(pidfile).read())
    t0 = time.monotonic()
    d.stop()
    check(time.monotonic() - t0 < 5, "quired took %.1f s to stop" % (time.monotonic() - t0))
    check(not os.path.exists("/proc/%d" % pid), "renderer %d survived quired" % pid)
    d.write_config(config(renderer(d, "echo-render", ECHO)))
    d.start()
    wait_job(d, jid, analysed, "analysed after the restart")


if __name__ == "__main__":
    run_tests(__doc__)
