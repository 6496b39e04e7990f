#!/usr/bin/env python3
"""The real renderer in the job path: held jobs get page, sheet and colour counts that match an
independent reader (poppler's pdfinfo), a thumbnail, and broken documents submitted among good
ones abort only their own jobs, with the right job-state-reason and a message, while quired
keeps serving and every good job stays held with its document intact.

Run: python3 tests/integration/test_render_jobs.py --bin build
"""
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

CONFIG = """[server]
render-timeout = 60

[queue office]
info = Office

[queue mono]
color = monochrome
"""


def docs(ctx):
    """Generates the project's test documents (cairo PDFs, libjpeg JPEGs) once per test."""
    out = os.path.join(ctx.daemons[0].workdir, "docs")
    subprocess.run([os.path.join(ctx.bindir, "tests", "mkdocs"), out], check=True,
                   capture_output=True, timeout=60)
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def pdf_pages(path):
    """Page count by poppler's pdfinfo: a reader independent of quire-render."""
    r = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=30)
    m = re.search(r"^Pages:\s+(\d+)", r.stdout, re.M)
    check(m, "pdfinfo %s: %s" % (path, r.stderr))
    return int(m.group(1))


def need_renderer(ctx):
    path = os.path.join(ctx.bindir, "quire-render")
    check(os.access(path, os.X_OK), "%s is not built" % path)


def huge_page_pdf():
    """A well-formed PDF whose one page is 5000 km wide."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14000000000 14000000000] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def urf_absurd():
    """Apple raster whose page claims 1,000,000 x 1,000,000 pixels."""
    page = struct.pack(">BBBBBB6xIII8x", 24, 1, 1, 4, 0, 0, 1000000, 1000000, 300)
    assert len(page) == 32
    return b"UNIRAST\x00" + struct.pack(">I", 1) + page + b"\x00" * 64


@test
def good_jobs_are_counted(ctx):
    d = ctx.daemon(CONFIG, analysis=True)
    need_renderer(ctx)
    dd = docs(ctx)
    cases = [("document-a4.pdf", "application/pdf", "office"),
             ("onepage-letter.pdf", "application/pdf", "office"),
             ("color.jpg", "image/jpeg", "office"),
             ("gray.jpg", "image/jpeg", "office"),
             ("document-a4.pdf", "application/pdf", "mono")]
    jobs = []
    for name, fmt, queue in cases:
        m = d.print_job(read(os.path.join(dd, name)), user="alice", queue=queue, fmt=fmt,
                        job_attrs=[("copies", TAG_INTEGER, 2),
                                   ("sides", TAG_KEYWORD, "two-sided-long-edge")] if queue == "office" and name.endswith(".pdf") else [])
        check_status(m, STATUS_OK, "Print-Job %s" % name)
        jobs.append(m.jobs()[0]["job-id"].value)
    for (name, fmt, queue), jid in zip(cases, jobs):
        job = wait_job(d, jid, analysed, "analysis of %s" % name, timeout=90, queue=queue)
        pages = value(job, "job-pages")
        want = pdf_pages(os.path.join(dd, name)) if name.endswith(".pdf") else 1
        check_eq(pages, want, "job-pages of %s" % name)
        col = {a.name: a.value for a in job["job-impressions-col"].value}
        copies = 2 if queue == "office" and name.endswith(".pdf") else 1
        check_eq(value(job, "job-impressions"), pages * copies, "job-impressions of %s" % name)
        if copies == 2:
            check_eq(value(job, "job-media-sheets"), 2 * ((pages + 1) // 2), "duplex sheets")
        if name == "gray.jpg" or queue == "mono":
            check_eq(col["full-color"], 0, "colour impressions of %s on %s" % (name, queue))
        if name == "color.jpg":
            check_eq(col["full-color"], 1, "colour impressions of color.jpg")
        check_eq(value(job, "job-state"), 4, "%s still held" % name)
        ctx.log("%s on %s: %d page(s), %d colour impression(s), %d sheet(s)" % (
            name, queue, pages, col["full-color"], value(job, "job-media-sheets")))
    listed = {j["id"]: j for j in d.api_ok("/api/jobs")}
    for jid in jobs:
        thumb = listed[jid].get("thumbnail")
        check(thumb and read(thumb)[:3] == b"\xff\xd8\xff", "job %d thumbnail is a JPEG" % jid)


@test
def broken_documents_abort_only_their_jobs(ctx):
    d = ctx.daemon(CONFIG, analysis=True)
    need_renderer(ctx)
    dd = docs(ctx)
    pdf = read(os.path.join(dd, "document-a4.pdf"))
    jpg = read(os.path.join(dd, "color.jpg"))
    bad = [("header-only.pdf", pdf[:40], "application/pdf", {"document-format-error"}),
           ("huge-page.pdf", huge_page_pdf(), "application/pdf", {"document-unprintable-error"}),
           ("truncated.jpg", jpg[:len(jpg) // 3], "image/jpeg", {"document-format-error"}),
           ("absurd.urf", urf_absurd(), "image/urf", {"document-unprintable-error",
                                                       "document-format-error"})]
    good, broken = [], []
    for i, (name, data, fmt, reasons) in enumerate(bad):
        m = d.print_job(pdf, user="alice", queue="office", name="good-%d" % i)
        check_status(m, STATUS_OK, "good Print-Job")
        good.append(m.jobs()[0]["job-id"].value)
        m = d.print_job(data, user="alice", queue="office", fmt=fmt, name=name)
        check_status(m, STATUS_OK, "Print-Job %s (accepted, judged by the renderer)" % name)
        broken.append((m.jobs()[0]["job-id"].value, name, reasons))
    for jid, name, reasons in broken:
        job = wait_job(d, jid, aborted, "%s aborted" % name, timeout=90)
        got = set(job["job-state-reasons"].values)
        check(got & reasons, "%s: reasons %r, expected one of %r" % (name, got, reasons))
        msg = value(job, "job-state-message") or ""
        check(len(msg) > 20, "%s: message %r" % (name, msg))
        ctx.log("%s: %s: %s" % (name, ",".join(sorted(got)), msg))
    want = pdf_pages(os.path.join(dd, "document-a4.pdf"))
    for jid in good:
        job = wait_job(d, jid, analysed, "good job analysed", timeout=90)
        check_eq(value(job, "job-pages"), want, "good job pages")
        check_eq(value(job, "job-state"), 4, "good job held")
    listed = {j["id"]: j for j in d.api_ok("/api/jobs")}
    for jid in good:
        doc = listed[jid]["documents"][0]
        check_eq(doc["sha256"], sha256(pdf), "good document intact")
    check_status(d.get_printer_attrs(), STATUS_OK, "quired still serving")


if __name__ == "__main__":
    run_tests(__doc__)
