#!/usr/bin/env python3
"""Forwarding held jobs to real devices: ippeveprinter MFDs in a private network namespace
(mfdlab.py), one colour taking PDF, one monochrome taking only PWG raster, each keeping every
document it receives (-k). quired runs in the same namespace with short retry timings.

- A held PDF released to the PDF device arrives as the same bytes (SHA-256), with the copies
  and sides asked for, and completes; released to the raster-only device it arrives as PWG
  raster (sGray, 300 dpi, copies in the stream) that libcups and ippevepcl read, every page
  counted by the device. The accounting hook runs once per delivery (printed_calls), with the
  copies, sides and impressions the device reported.
- Release is refused with a readable reason while a device is stopped (SIGSTOP) or gone, and
  the job stays held.
- A device stopped (SIGSTOP) or killed (SIGKILL, then restarted) while the document streams
  (the namespace's loopback is throttled with tc so the transfer takes seconds), or quired
  killed at that moment: the job is delivered exactly once (one complete copy kept, one job
  completed on the device) or given back to its owner, never lost, never printed twice.
- A job the device accepted whole and then lost is never sent again.
- Canceling a job being printed cancels it on the device; nothing is accounted.

Run (as root): python3 tests/integration/test_forward.py --bin build
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
import quiretest as qt  # noqa: E402

PDF_FORMATS = ["application/pdf", "image/pwg-raster", "image/jpeg"]


def two_mfds(ctx, pdf_command="/usr/sbin/ippeveps"):
    """The colour PDF MFD and the mono raster-only MFD."""
    colour = ctx.mfd("ColourPDF", formats=PDF_FORMATS, color=True, duplex=True,
                     command=pdf_command)
    mono = ctx.mfd("MonoRaster", formats=["image/pwg-raster"], color=False, duplex=False,
                   command="/usr/sbin/ippevepcl")
    return colour, mono


def setup(ctx, attempts=4, **mfd_kw):
    colour, mono = two_mfds(ctx, **mfd_kw)
    d = ctx.daemon(attempts=attempts)
    dl.add_device(d, "colour", colour, location="Floor 1")
    dl.add_device(d, "mono", mono, location="Floor 2")
    return d, colour, mono


def the_delivery(d, jid, state="done"):
    ds = dl.deliveries(d, jid)
    check(len(ds) == 1, "job %d: expected one delivery, got %r", jid, ds)
    check(ds[0]["state"] == state, "job %d: delivery %s, expected %s: %r", jid, ds[0]["state"],
          state, ds[0])
    return ds[0]


def complete_copies(mfd, original):
    """How many documents the MFD kept that are byte for byte `original`."""
    want = dl.sha256_file(original)
    return sum(1 for f in dl.kept(mfd, ".pdf") if dl.sha256_file(f) == want)


@test
def pdf_arrives_byte_identical(ctx):
    d, colour, _ = setup(ctx)
    pdf = ctx.doc("colour-set.pdf")
    jid = dl.submit(d, pdf, job_attrs=[("copies", qt.TAG_INTEGER, 2),
                                       ("sides", qt.TAG_KEYWORD, "two-sided-long-edge")])
    t0 = time.monotonic()
    st, r = dl.release(d, jid, "colour")
    check(st == 202, "release: HTTP %d %r", st, r)
    j = dl.wait_job(d, jid, dl.completed, "completed")
    ctx_latency = time.monotonic() - t0
    print("    release to completed on ippeveprinter (ippeveps, 8 pages x 2): %.2f s" % ctx_latency)
    check(j["reasons"] == ["job-completed-successfully"] and j["message"] == "Printed on colour.",
          "job reasons/message: %r %r", j["reasons"], j["message"])
    check(complete_copies(colour, pdf) == 1, "the MFD kept %r, not exactly one copy of our PDF",
          colour.received())
    dv = the_delivery(d, jid)
    check(dv["format"] == "application/pdf" and not dv["rendered"], "sent as %r", dv)
    check(dv["copies"] == 2 and dv["sides"] == "two-sided-long-edge" and not dv["mono"],
          "copies/sides/mono: %r", dv)
    check(dv["printed_calls"] == 1 and dv["device_jobs"] == 1, "hook/device jobs: %r", dv)
    jobs = dl.mfd_printed(colour)
    check(len(jobs) == 1 and jobs[0]["job-originating-user-name"] == "alice" and
          jobs[0]["job-name"] == "report", "the MFD completed %r", jobs)
    check(dv["device_impressions"] == jobs[0]["job-impressions-completed"],
          "impressions: ours %d, the device's %r", dv["device_impressions"], jobs)
    # IPP clients see the truth too
    m = d.get_job_attrs(jid, user="alice", queue="office")
    job = m.jobs()[0]
    check(qt.value(job, "job-state") == 9 and qt.value(job, "time-at-completed"),
          "Get-Job-Attributes: %r", {k: v.values for k, v in job.items()})


@test
def pdf_arrives_as_pwg_raster_on_a_raster_only_device(ctx):
    d, _, mono = setup(ctx)
    pdf = ctx.doc("colour-set.pdf")
    jid = dl.submit(d, pdf, job_attrs=[("sides", qt.TAG_KEYWORD, "two-sided-long-edge")])
    st, r = dl.release(d, jid, "mono", copies=2)
    check(st == 202, "release: HTTP %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    files = dl.kept(mono, ".pwg")
    check(len(files) == 1, "the MFD kept %r", mono.received())
    pages = dl.raster_pages(ctx, files[0])
    check(len(pages) == 16, "%d raster pages, expected 8 x 2 copies", len(pages))
    check(all(p["cs"] == 18 and p["xres"] == 300 and p["yres"] == 300 for p in pages),
          "not sGray 300 dpi: %r", pages[0])
    check("ERROR" not in mono.log(), "ippevepcl failed: %s", mono.log()[-2000:])
    prn = dl.kept(mono, ".prn")
    check(prn and os.path.getsize(prn[0]) > 0, "ippevepcl wrote nothing")
    dv = the_delivery(d, jid)
    check(dv["format"] == "image/pwg-raster" and dv["rendered"] and dv["raster_type"] == "sgray_8",
          "sent as %r", dv)
    check(dv["copies"] == 2 and dv["sides"] == "one-sided" and dv["mono"], "options: %r", dv)
    check(dv["device_impressions"] == 16 and dv["printed_calls"] == 1, "accounting: %r", dv)
    jobs = dl.mfd_printed(mono)
    check(len(jobs) == 1 and jobs[0]["job-impressions-completed"] == 16, "MFD jobs: %r", jobs)
    check(not os.listdir(os.path.join(d.data_dir, "forward")), "rendered files left behind")


@test
def release_refused_while_stopped_or_gone(ctx):
    d, colour, mono = setup(ctx)
    pdf = ctx.doc("text.pdf")
    jid = dl.submit(d, pdf)
    os.kill(mono.proc.pid, signal.SIGSTOP)
    try:
        st, r = dl.release(d, jid, "mono")
        check(st == 409 and "mono cannot be reached" in r["error"], "stopped: %d %r", st, r)
        cli = d.cli("release-job", str(jid), "--device", "mono")
        check(cli.returncode == 1 and "cannot be reached" in cli.stderr, "CLI: %r", cli)
        j = dl.job(d, jid)
        check(dl.held(j) and dl.deliveries(d, jid) == [], "job after refusals: %r", j)
    finally:
        os.kill(mono.proc.pid, signal.SIGCONT)
    dl.wait_device(d, "mono", lambda v: v["status"]["reachable"], "reachable again")
    cli = d.cli("release-job", str(jid), "--device", "mono")
    check(cli.returncode == 0 and "released to mono" in cli.stdout, "CLI release: %r", cli)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(len(dl.mfd_printed(mono)) == 1, "MFD jobs: %r", dl.mfd_printed(mono))
    colour.stop()
    jid2 = dl.submit(d, pdf)
    st, r = dl.release(d, jid2, "colour")
    check(st == 409 and "colour cannot be reached" in r["error"], "gone: %d %r", st, r)
    check(dl.held(dl.job(d, jid2)), "job not held")
    st, r = dl.release(d, jid, "mono")
    check(st == 409 and "not held" in r["error"], "printed job released again: %d %r", st, r)


@test
def device_stopped_while_streaming_then_resumed(ctx):
    d, colour, _ = setup(ctx, attempts=8)
    pdf = dl.big_pdf(os.path.join(ctx.work, "big.pdf"), mib=8)
    jid = dl.submit(d, pdf)
    with dl.Throttle(ctx.lab):
        st, r = dl.release(d, jid, "colour")
        check(st == 202, "release: %d %r", st, r)
        dl.wait_file_growing(colour, ".pdf")
        os.kill(colour.proc.pid, signal.SIGSTOP)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and dl.deliveries(d, jid)[0]["attempts"] < 1:
                time.sleep(0.2)
            check(dl.deliveries(d, jid)[0]["attempts"] >= 1, "no failed try while stopped")
            check(dl.job(d, jid)["state"] in (3, 5), "job state while stopped: %r", dl.job(d, jid))
        finally:
            os.kill(colour.proc.pid, signal.SIGCONT)
        dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(complete_copies(colour, pdf) == 1, "complete copies kept: %d",
          complete_copies(colour, pdf))
    check(len(dl.mfd_printed(colour)) == 1, "the MFD completed %r", dl.mfd_printed(colour))
    dv = the_delivery(d, jid)
    check(dv["device_jobs"] == 2 and dv["printed_calls"] == 1, "delivery: %r", dv)


@test
def device_stopped_too_long_gives_the_job_back(ctx):
    d, colour, _ = setup(ctx, attempts=3)
    pdf = dl.big_pdf(os.path.join(ctx.work, "big.pdf"), mib=8)
    jid = dl.submit(d, pdf)
    with dl.Throttle(ctx.lab):
        st, r = dl.release(d, jid, "colour")
        check(st == 202, "release: %d %r", st, r)
        dl.wait_file_growing(colour, ".pdf")
        os.kill(colour.proc.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            j = dl.wait_job(d, jid, dl.held, "held again", timeout=60)
            print("    stopped device: job back to held after %.1f s (3 tries, 3 s I/O "
                  "timeout, 1-2 s backoff)" % (time.monotonic() - t0))
        finally:
            os.kill(colour.proc.pid, signal.SIGCONT)
    check("destination-uri-failed" in j["reasons"] and "job-hold-until-specified" in j["reasons"],
          "reasons: %r", j["reasons"])
    check(j["message"].startswith("Could not print on colour: "), "message: %r", j["message"])
    the_delivery(d, jid, "failed")
    check(len(dl.mfd_printed(colour)) == 0, "the MFD completed %r", dl.mfd_printed(colour))
    dl.wait_device(d, "colour", lambda v: v["status"]["can_release"], "usable again")
    st, r = dl.release(d, jid, "colour")
    check(st == 202, "second release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(complete_copies(colour, pdf) == 1 and len(dl.mfd_printed(colour)) == 1,
          "printed %d time(s): %r", complete_copies(colour, pdf), dl.mfd_printed(colour))


@test
def device_killed_while_streaming_then_restarted(ctx):
    d, colour, _ = setup(ctx, attempts=10)
    pdf = dl.big_pdf(os.path.join(ctx.work, "big.pdf"), mib=8)
    jid = dl.submit(d, pdf)
    with dl.Throttle(ctx.lab):
        st, r = dl.release(d, jid, "colour")
        check(st == 202, "release: %d %r", st, r)
        partial = dl.wait_file_growing(colour, ".pdf")
        colour.stop(signal.SIGKILL)
        check(os.path.getsize(partial) < os.path.getsize(pdf), "the transfer was already done")
        time.sleep(2)
        check(dl.job(d, jid)["state"] in (3, 5), "job state while the MFD is gone: %r",
              dl.job(d, jid))
        colour.start()
        dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(complete_copies(colour, pdf) == 1, "complete copies: %d, files %r",
          complete_copies(colour, pdf), colour.received())
    check(len(dl.mfd_printed(colour)) == 1, "the restarted MFD completed %r",
          dl.mfd_printed(colour))
    dv = the_delivery(d, jid)
    check(dv["device_jobs"] == 2 and dv["printed_calls"] == 1 and dv["attempts"] >= 1,
          "delivery: %r", dv)


@test
def quired_killed_while_streaming_then_restarted(ctx):
    d, colour, _ = setup(ctx)
    pdf = dl.big_pdf(os.path.join(ctx.work, "big.pdf"), mib=8)
    jid = dl.submit(d, pdf)
    with dl.Throttle(ctx.lab):
        st, r = dl.release(d, jid, "colour")
        check(st == 202, "release: %d %r", st, r)
        dl.wait_file_growing(colour, ".pdf")
        d.kill9()
        d.start()
        dl.wait_job(d, jid, dl.completed, "completed after the restart", timeout=120)
    check(complete_copies(colour, pdf) == 1, "complete copies: %d", complete_copies(colour, pdf))
    check(len(dl.mfd_printed(colour)) == 1, "the MFD completed %r", dl.mfd_jobs(colour, "all"))
    dv = the_delivery(d, jid)
    check(dv["device_jobs"] == 2 and dv["printed_calls"] == 1, "delivery: %r", dv)


@test
def job_accepted_whole_then_lost_is_never_sent_again(ctx):
    slow = ctx.script("slow.sh", "sleep 30\nexit 0\n")
    d, colour, _ = setup(ctx, pdf_command=slow)
    pdf = ctx.doc("text.pdf")
    jid = dl.submit(d, pdf)
    st, r = dl.release(d, jid, "colour")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, lambda j: "job-printing" in j["reasons"] and j["state"] == 5, "printing")
    colour.stop(signal.SIGKILL)
    colour.start()
    j = dl.wait_job(d, jid, dl.held, "held again", timeout=60)
    check("may have printed" in j["message"], "message: %r", j["message"])
    check(dl.mfd_jobs(colour, "all") == [], "sent again: %r", dl.mfd_jobs(colour, "all"))
    dv = the_delivery(d, jid, "failed")
    check(dv["device_jobs"] == 1 and dv["printed_calls"] == 0, "delivery: %r", dv)


@test
def cancel_while_printing_cancels_on_the_device(ctx):
    slow = ctx.script("slow.sh", "sleep 5\nexit 0\n")
    d, colour, _ = setup(ctx, pdf_command=slow)
    jid = dl.submit(d, ctx.doc("text.pdf"))
    st, r = dl.release(d, jid, "colour")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, lambda j: "job-printing" in j["reasons"], "printing")
    m = d.job_op(qt.OP_CANCEL_JOB, jid, user="alice", queue="office")
    qt.check_status(m, qt.STATUS_OK, "Cancel-Job")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and dl.deliveries(d, jid)[0]["state"] != "canceled":
        time.sleep(0.2)
    dv = the_delivery(d, jid, "canceled")
    check(dv["printed_calls"] == 0, "accounted: %r", dv)
    # ippeveprinter lets the print command run out (5 s here), then marks the job canceled
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and dl.mfd_jobs(colour, "all")[0]["job-state"] != 7:
        time.sleep(0.2)
    jobs = dl.mfd_jobs(colour, "all")
    check(len(jobs) == 1 and jobs[0]["job-state"] == 7, "on the MFD: %r", jobs)
    check(dl.job(d, jid)["state"] == 7, "quire job: %r", dl.job(d, jid))


@test
def jpeg_as_is_or_on_pdf_pages(ctx):
    photo = ctx.mfd("Photo", formats=["image/jpeg", "application/pdf"], color=True)
    office = ctx.mfd("PdfOnly", formats=["application/pdf"], color=True)
    d = ctx.daemon()
    dl.add_device(d, "photo", photo)
    dl.add_device(d, "pdfonly", office)
    jpg = ctx.doc("photo.jpg")
    jid = dl.submit(d, jpg)
    st, r = dl.release(d, jid, "photo")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed")
    got = dl.kept(photo, ".jpg")
    check(len(got) == 1 and dl.sha256_file(got[0]) == dl.sha256_file(jpg),
          "the photo MFD kept %r", photo.received())
    jid = dl.submit(d, jpg)
    st, r = dl.release(d, jid, "pdfonly")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    got = dl.kept(office, ".pdf")
    check(len(got) == 1, "the PDF MFD kept %r", office.received())
    info = subprocess.run(["pdfinfo", got[0]], capture_output=True, text=True, timeout=30)
    check(info.returncode == 0 and re.search(r"(?m)^Pages:\s+1$", info.stdout) and
          "A4" in info.stdout, "pdfinfo: %r", info.stdout)
    dv = dl.deliveries(d, jid)[0]
    check(dv["format"] == "application/pdf" and dv["rendered"], "delivery: %r", dv)


@test
def two_documents_become_one_raster_stream(ctx):
    d, _, mono = setup(ctx)
    m = d.create_job(user="alice", queue="office", name="pack")
    qt.check_status(m, qt.STATUS_OK, "Create-Job")
    jid = m.value("job-id")
    for i, name in enumerate(("text.pdf", "colour-set.pdf")):
        with open(ctx.doc(name), "rb") as f:
            m = d.send_document(jid, f.read(), last=i == 1, user="alice", queue="office")
        qt.check_status(m, qt.STATUS_OK, "Send-Document %s" % name)
    dl.wait_job(d, jid, lambda j: j["analysis"] == "done", "analysed", timeout=120)
    st, r = dl.release(d, jid, "mono")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    files = dl.kept(mono, ".pwg")
    check(len(files) == 1, "the MFD kept %r", mono.received())
    pages = dl.raster_pages(ctx, files[0])
    check(len(pages) == 4 + 8, "%d pages, expected 4 + 8", len(pages))
    check(dl.mfd_printed(mono)[0]["job-impressions-completed"] == 12, "MFD: %r",
          dl.mfd_printed(mono))


if __name__ == "__main__":
    dl.run("quire forwarding to ippeveprinter MFDs", "f")
