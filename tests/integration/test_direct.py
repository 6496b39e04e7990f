#!/usr/bin/env python3
"""Direct queues ([queue NAME] mode = direct, device = DEVICE): every job goes to its device as
soon as it is analysed, with the same rendering and completion tracking as a release, and its
job-state says what the device says. ippeveprinter MFDs run in a private network namespace
(mfdlab.py); quired runs there too.

- ipptool's print-job-and-wait.test against a direct queue bound to an MFD whose print command
  takes 3 s: the job is pending/processing meanwhile and completed only once the MFD completed
  it; the MFD printed it once.
- A device that cannot take the job (URF only) aborts it with the reason; a device that stays
  unreachable aborts it after the retries; a queue bound to an unknown device aborts it.
- quired restarted while the device prints: the job still completes, printed once.

Run (as root): python3 tests/integration/test_direct.py --bin build
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
import quiretest as qt  # noqa: E402

DIRECT = """[queue direct]
info = Lobby printer, no release needed
mode = direct
device = lobby
"""


def ipp_job(d, jid, queue="direct", user="alice"):
    m = d.get_job_attrs(jid, user=user, queue=queue)
    qt.check_status(m, qt.STATUS_OK, "Get-Job-Attributes %d" % jid)
    return m.jobs()[0]


def wait_ipp(d, jid, pred, what, timeout=60):
    """Polls Get-Job-Attributes (bounded); returns (job, [(t, state), ...] seen)."""
    seen = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        j = ipp_job(d, jid)
        state = qt.value(j, "job-state")
        if not seen or seen[-1][1] != state:
            seen.append((time.monotonic() - t0, state))
        if pred(j):
            return j, seen
        time.sleep(0.1)
    raise qt.TestFailure("job %d: %s not reached in %d s (states seen %r)" % (
        jid, what, timeout, seen))


def submit_pdf(d, path, user="alice"):
    with open(path, "rb") as f:
        m = d.print_job(f.read(), user=user, queue="direct", name="lobby-job")
    qt.check_status(m, qt.STATUS_OK, "Print-Job")
    return m.value("job-id")


def reasons(j):
    return j["job-state-reasons"].values if j.get("job-state-reasons") else []


@test
def ipptool_job_completes_only_after_the_device(ctx):
    slow = ctx.script("slow.sh", "sleep 3\nexit 0\n")
    mfd = ctx.mfd("Lobby", formats=["application/pdf", "image/pwg-raster"], command=slow)
    d = ctx.daemon(queues=DIRECT)
    dl.add_device(d, "lobby", mfd)
    p = subprocess.Popen(["ipptool", "-tv", "-f", ctx.doc("text.pdf"), "-d",
                          "filetype=application/pdf", d.uri("direct"),
                          "/usr/share/cups/ipptool/print-job-and-wait.test"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise qt.TestFailure("ipptool did not finish: %s" % out[-1500:])
    states = re.findall(r"job-state \(enum\) = (\S+)", out)
    check(p.returncode == 0 and states and states[-1] == "completed",
          "ipptool: rc %d, states %r: %s", p.returncode, states, out[-1500:])
    jid = int(re.search(r"job-id \(integer\) = (\d+)", out).group(1))
    j = ipp_job(d, jid)
    check(qt.value(j, "job-state") == 9 and "job-completed-successfully" in reasons(j),
          "quired: %r", {k: v.values for k, v in j.items()})
    printed = dl.mfd_printed(mfd)
    check(len(printed) == 1, "the MFD printed %r", dl.mfd_jobs(mfd, "all"))
    dv = dl.deliveries(d, jid)
    check(len(dv) == 1 and dv[0]["direct"] and dv[0]["state"] == "done" and
          dv[0]["printed_calls"] == 1, "delivery: %r", dv)
    # a second job, watched from quired's side: processing for the device's 3 s, and completed
    # only when the MFD itself says so
    jid = submit_pdf(d, ctx.doc("text.pdf"))
    j, seen = wait_ipp(d, jid, lambda x: qt.value(x, "job-state") == 9, "completed")
    printed = dl.mfd_printed(mfd)
    check(len(printed) == 2, "the MFD printed %r when quired said completed", printed)
    t_proc = [t for t, s in seen if s == 5]
    t_done = [t for t, s in seen if s == 9]
    check(t_proc and t_done and t_done[0] - t_proc[0] >= 2.5,
          "processing -> completed took less than the device's 3 s: %r", seen)
    check(not any(s in (7, 8) for _, s in seen), "states seen: %r", seen)
    print("    direct queue: states %s; submit to completed %.1f s with a 3 s print command" % (
        " -> ".join("%s@%.1fs" % (s, t) for t, s in seen), t_done[0]))


@test
def device_that_cannot_take_it_aborts_the_job(ctx):
    mfd = ctx.mfd("UrfOnly", formats=["image/urf"], color=True)
    d = ctx.daemon(queues=DIRECT)
    dl.add_device(d, "lobby", mfd)
    jid = submit_pdf(d, ctx.doc("text.pdf"))
    j, _ = wait_ipp(d, jid, lambda x: qt.value(x, "job-state") == 8, "aborted")
    msg = qt.value(j, "job-state-message")
    check("Apple raster" in msg and "destination-uri-failed" in reasons(j),
          "aborted with %r %r", msg, reasons(j))
    check(dl.mfd_jobs(mfd, "all") == [], "the MFD got %r", dl.mfd_jobs(mfd, "all"))


@test
def unreachable_device_aborts_after_the_retries(ctx):
    mfd = ctx.mfd("Lobby", formats=["application/pdf"])
    d = ctx.daemon(queues=DIRECT, attempts=3)
    dl.add_device(d, "lobby", mfd)
    mfd.stop()
    jid = submit_pdf(d, ctx.doc("text.pdf"))
    t0 = time.monotonic()
    j, seen = wait_ipp(d, jid, lambda x: qt.value(x, "job-state") == 8, "aborted")
    msg = qt.value(j, "job-state-message")
    check(msg.startswith("Could not print on lobby: cannot connect"), "message %r", msg)
    check(3 in [s for _, s in seen], "never pending while retrying: %r", seen)
    dv = dl.deliveries(d, jid)
    check(dv[0]["state"] == "failed" and dv[0]["attempts"] == 3, "delivery: %r", dv)
    print("    unreachable device: aborted after %.1f s (3 tries, 1-2 s backoff)" % (
        time.monotonic() - t0))


@test
def unknown_device_aborts_the_job(ctx):
    d = ctx.daemon(queues=DIRECT)
    jid = submit_pdf(d, ctx.doc("text.pdf"))
    j, _ = wait_ipp(d, jid, lambda x: qt.value(x, "job-state") == 8, "aborted")
    check("no printer lobby" in qt.value(j, "job-state-message"), "message %r",
          qt.value(j, "job-state-message"))


@test
def restart_while_the_device_prints(ctx):
    slow = ctx.script("slow.sh", "sleep 4\nexit 0\n")
    mfd = ctx.mfd("Lobby", formats=["application/pdf"], command=slow)
    d = ctx.daemon(queues=DIRECT)
    dl.add_device(d, "lobby", mfd)
    jid = submit_pdf(d, ctx.doc("text.pdf"))
    wait_ipp(d, jid, lambda x: "job-printing" in reasons(x), "printing")
    d.stop()
    d.start()
    j, _ = wait_ipp(d, jid, lambda x: qt.value(x, "job-state") == 9, "completed after restart")
    check(len(dl.mfd_printed(mfd)) == 1 and len(dl.mfd_jobs(mfd, "all")) == 1,
          "the MFD has %r", dl.mfd_jobs(mfd, "all"))


@test
def direct_queue_needs_analysis(ctx):
    d = ctx.daemon(queues=DIRECT, server="analysis = off", start=False)
    r = subprocess.run(d.args(), capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    check(r.returncode == 2 and "mode = direct needs [server] analysis = on" in r.stderr,
          "quired started: rc %d %r", r.returncode, r.stderr)


if __name__ == "__main__":
    dl.run("quire direct queues", "q")
