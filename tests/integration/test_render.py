#!/usr/bin/env python3
"""test_render: quire-render (render/) against independent readers and references.

Documents are generated for each run: build/tests/render-docs (cairo PDFs, libjpeg JPEGs) and
the raster and malformed inputs below (Python). Output is checked with libcups's raster reader
(build/tests/rastercheck), poppler's pdftoppm and pdfinfo, never only with quire-render's own
code. ../shared/testdocs beside the checkout (or $QUIRE_TESTDOCS) adds conformance documents when present.

Pixel tolerance against `pdftoppm -r 300` (splash) of the same page: photos and JPEGs
PSNR >= 38 dB; text pages PSNR >= 15 dB per pixel (splash and cairo antialias glyph edges
differently: pdftocairo itself scores 16-17 dB against pdftoppm on these pages) and, for every
page, PSNR >= 28 dB on 8x8 block means (where antialiasing averages out but a missing,
misplaced or mis-scaled element does not).

Options: --bin DIR (default build/), -k TEXT (only tests whose name contains TEXT), --keep.
Last line: "N passed, N failed, N skipped"; exit status 1 if anything failed.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfdlab  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TESTDOCS = os.environ.get("QUIRE_TESTDOCS", os.path.join(os.path.dirname(ROOT), "shared", "testdocs"))
A4 = (2480, 3507)                      # pixels at 300 dpi (truncated, as libcups computes)
COLOUR_SET = [False, True, True, True, False, False, True, False]  # see render-docs.c
RUN_TIMEOUT = 120


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def check(cond, msg, *args):
    if not cond:
        raise Failure(msg % args if args else msg)


class Env:
    """Paths of the binaries and of this run's work directory."""

    def __init__(self, bin_dir, work):
        self.bin = bin_dir
        self.work = work
        self.quire = os.path.join(bin_dir, "quire-render")
        self.rastercheck = os.path.join(bin_dir, "tests", "rastercheck")
        asan = os.path.join(os.path.dirname(os.path.abspath(bin_dir)), "build-asan", "quire-render")
        self.asan = asan if os.access(asan, os.X_OK) else None
        self.docs = os.path.join(work, "docs")

    def doc(self, name):
        return os.path.join(self.docs, name)

    def tmp(self, name):
        return os.path.join(self.work, name)


def run(cmd, timeout=RUN_TIMEOUT, env=None, stdin=None):
    """Runs a command; returns (rc, stdout bytes, stderr text)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       env=env, stdin=stdin)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def render(env, *args, ok=True, binary=None):
    rc, out, err = run([binary or env.quire] + [str(a) for a in args])
    if ok:
        check(rc == 0, "quire-render %s: exit %d: %s", " ".join(map(str, args)), rc, err.strip())
        check(err == "", "quire-render %s wrote to stderr: %r", " ".join(map(str, args)), err)
    return rc, out, err


def info(env, *args):
    _, out, _ = render(env, *args, "--info")
    return json.loads(out)


def raster_pages(env, path):
    """Headers of every page as libcups reads them (fails if any page cannot be read)."""
    rc, out, err = run([env.rastercheck, path])
    check(rc == 0, "libcups cannot read %s: %s", path, err.strip())
    return [json.loads(line) for line in out.decode().splitlines()]


def raster_ppm(env, path, page, out):
    rc, _, err = run([env.rastercheck, path, "--ppm", str(page), out])
    check(rc == 0, "libcups cannot read page %d of %s: %s", page, path, err.strip())
    return read_ppm(out)


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    check(m, "%s is not a PPM", path)
    return int(m.group(1)), int(m.group(2)), data[m.end():]


def pixel(img, x, y):
    w, _, data = img
    i = (y * w + x) * 3
    return tuple(data[i:i + 3])


def near(p, q, tol=8):
    return all(abs(a - b) <= tol for a, b in zip(p, q))


# ---------------------------------------------------------------------------------------------
# Raster and malformed inputs
# ---------------------------------------------------------------------------------------------

def pwg_header(w, h, res, cs, bpc, ncolors, total=1):
    """A 1796-byte PWG page header (PWG 5102.4 offsets)."""
    b = bytearray(1796)
    b[0:9] = b"PwgRaster"
    bpp = bpc * ncolors
    fields = {276: res, 280: res, 352: round(w * 72 / res), 356: round(h * 72 / res), 372: w,
              376: h, 384: bpc, 388: bpp, 392: (w * bpp + 7) // 8, 400: cs, 420: ncolors,
              452: total, 456: 1, 460: 1}
    for off, v in fields.items():
        struct.pack_into(">I", b, off, v & 0xFFFFFFFF)
    return bytes(b)


def urf_header(w, h, res, bpp, cs):
    return struct.pack(">BBBBBB6xIII8x", bpp, cs, 1, 4, 0, 0, w, h, res)


def encode_line(units):
    """PackBits-style line: runs of identical units (lone units as repeat 0)."""
    out = bytearray()
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and j - i < 128 and units[j] == units[i]:
            j += 1
        out.append(j - i - 1)
        out += units[i]
        i = j
    return bytes(out)


def encode_page(rows):
    """rows: list of (count, units) bands of identical lines."""
    out = bytearray()
    for count, units in rows:
        line = encode_line(units)
        while count > 0:
            n = min(count, 256)
            out.append(n - 1)
            out += line
            count -= n
    return bytes(out)


def pattern_rows(w, h, ink, paper):
    """Top half: left half ink, right half paper; bottom half: paper."""
    half_w, half_h = w // 2, h // 2
    top = [ink] * half_w + [paper] * (w - half_w)
    return [(half_h, top), (h - half_h, [paper] * w)]


def pack_bits_1(row_bits):
    out = bytearray((len(row_bits) + 7) // 8)
    for i, bit in enumerate(row_bits):
        if bit:
            out[i // 8] |= 0x80 >> (i % 8)
    return bytes(out)


def make_pwg(kind, w, h, res, pages=1):
    """kind: sgray8, srgb8, black1, cmyk8 -> PWG bytes with the test pattern."""
    spec = {"sgray8": (18, 8, 1, b"\x00", b"\xff"), "srgb8": (19, 8, 3, b"\xc0\x10\x10", b"\xff\xff\xff"),
            "cmyk8": (6, 8, 4, b"\x00\xff\xff\x00", b"\x00\x00\x00\x00"), "black1": (3, 1, 1, None, None)}
    cs, bpc, ncolors, ink, paper = spec[kind]
    data = bytearray(b"RaS2")
    for _ in range(pages):
        data += pwg_header(w, h, res, cs, bpc, ncolors, pages)
        if kind == "black1":
            line = pack_bits_1([1] * (w // 2) + [0] * (w - w // 2))
            blank = bytes(len(line))
            rows = [(h // 2, [bytes([c]) for c in line]), (h - h // 2, [bytes([c]) for c in blank])]
        else:
            rows = pattern_rows(w, h, ink, paper)
        data += encode_page(rows)
    return bytes(data)


def make_urf(kind, w, h, res, pages=1):
    bpp, cs, ink, paper = {"srgb24": (24, 1, b"\xc0\x10\x10", b"\xff\xff\xff"),
                           "sgray8": (8, 0, b"\x00", b"\xff")}[kind]
    data = bytearray(b"UNIRAST\0" + struct.pack(">I", pages))
    for _ in range(pages):
        data += urf_header(w, h, res, bpp, cs) + encode_page(pattern_rows(w, h, ink, paper))
    return bytes(data)


def pdf_from_objects(objs):
    """A PDF with a correct xref table from object bodies (object 1 = catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def pdf_pages(n, media=b"[0 0 595 842]"):
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
            b"<< /Length 24 >>\nstream\n0 0 1 rg 10 10 50 50 re f\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents 3 0 R >>" % media] * n
    return pdf_from_objects(objs)


def malformed_inputs(env):
    """(name, bytes, extra args, expected exit status)."""
    text = open(env.doc("text.pdf"), "rb").read()
    jpeg = open(env.doc("photo.jpg"), "rb").read()
    tail = text.rindex(b"startxref")
    cases = [
        ("truncated.pdf", text[: len(text) * 6 // 10], [], 4),
        ("xref-offset.pdf", text[:tail] + b"startxref\n10\n%%EOF\n", [], 4),
        ("xref-garbled.pdf", text.replace(b"\nxref\n", b"\nXXXX\n"), [], 4),
        ("xref-missing.pdf", text[:tail] + b"%%EOF\n", [], 4),
        ("page-bomb.pdf", pdf_pages(1, b"[0 0 1000000 1000000]"), [], 5),
        ("no-pages.pdf", pdf_pages(0), [], 4),
        ("too-many-pages.pdf", pdf_pages(10001), [], 5),
        ("garbage.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40, [], 4),
        ("truncated.jpg", jpeg[: len(jpeg) // 2], [], 4),
        ("corrupt-huffman.jpg", corrupt_dht(jpeg), [], 4),
        ("corrupt-scan.jpg", corrupt_scan(jpeg), [], 4),
        ("huge.jpg", jpeg_dims(jpeg, 65000, 65000), [], 5),
        ("header-only.jpg", jpeg[:2], ["--format", "image/jpeg"], 4),
        ("huge.pwg", b"RaS2" + pwg_header(200000, 200000, 300, 19, 8, 3) + b"\0" * 64, [], 5),
        ("huge.urf", b"UNIRAST\0" + struct.pack(">I", 1) + urf_header(200000, 200000, 300, 24, 1), [], 5),
        ("bad-bpp.pwg", b"RaS2" + pwg_header(100, 100, 300, 19, 7, 3), [], 4),
        ("device-cs.pwg", b"RaS2" + pwg_header(100, 100, 300, 48, 8, 1), [], 3),
        ("truncated.pwg", make_pwg("srgb8", 600, 800, 300)[:-10], [], 4),
        ("truncated.urf", make_urf("srgb24", 600, 800, 300)[:-10], [], 4),
        ("second-page-cut.pwg", make_pwg("sgray8", 60, 80, 300, 2)[:-5], [], 4),
        ("header-cut.pwg", make_pwg("sgray8", 60, 80, 300)[:900], [], 4),
        ("empty.pdf", b"", [], 4),
        ("empty.bin", b"", ["--format", "image/jpeg"], 4),
        ("text.txt", b"hello, this is plain text\n" * 10, [], 3),
        ("tiff.bin", b"II*\0" + bytes(100), ["--format", "image/tiff"], 3),
        ("jpeg-as-pdf.pdf", jpeg, ["--format", "application/pdf"], 4),
    ]
    return cases


def corrupt_dht(jpeg):
    i = jpeg.index(b"\xff\xc4")
    b = bytearray(jpeg)
    for k in range(i + 5, i + 21):      # the 16 code-length counts: way too many codes
        b[k] = 0xFF
    return bytes(b)


def corrupt_scan(jpeg):
    i = jpeg.index(b"\xff\xda")
    b = bytearray(jpeg)
    for k in range(i + 400, min(len(b) - 2, i + 3000), 7):
        b[k] = 0xFF if b[k] != 0xFF else 0x00
        if k + 1 < len(b) and b[k] == 0xFF:
            b[k + 1] = 0xD9 if (k // 7) % 2 else 0x00   # stray markers and bad codes
    return bytes(b)


def jpeg_dims(jpeg, w, h):
    i = jpeg.index(b"\xff\xc0")
    b = bytearray(jpeg)
    struct.pack_into(">HH", b, i + 5, h, w)
    return bytes(b)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def pwg_headers_read_by_libcups(env):
    out = env.tmp("h.pwg")
    render(env, env.doc("text.pdf"), "-o", out, "--sides", "two-sided-long-edge")
    pages = raster_pages(env, out)
    check(len(pages) == 4, "4 pages expected, libcups read %d", len(pages))
    for p in pages:
        want = {"width": 2480, "height": 3507, "xres": 300, "yres": 300, "bpc": 8, "bpp": 24,
                "bpl": 2480 * 3, "cs": 19, "colors": 3, "duplex": 1, "tumble": 0, "page_w": 595,
                "page_h": 841, "total": 4, "copies": 0, "cross": 1, "feed": 1,
                "box": [0, 0, 2480, 3507], "name": "iso_a4_210x297mm", "media_class": "PwgRaster"}
        for k, v in want.items():
            check(p[k] == v, "page %d: %s = %r, expected %r", p["page"], k, p[k], v)
    render(env, env.doc("onepage-letter.pdf"), "-o", out, "--resolution", "600", "--color", "sgray",
           "--media", "na_letter_8.5x11in", "--sides", "two-sided-short-edge")
    (p,) = raster_pages(env, out)
    want = {"width": 5100, "height": 6600, "xres": 600, "bpp": 8, "bpl": 5100, "cs": 18,
            "colors": 1, "duplex": 1, "tumble": 1, "page_w": 612, "page_h": 792,
            "name": "na_letter_8.5x11in"}
    for k, v in want.items():
        check(p[k] == v, "sgray letter 600 dpi: %s = %r, expected %r", k, p[k], v)
    render(env, env.doc("photo.jpg"), "-o", out, "--resolution", "150", "--media", "iso_a5_148x210mm")
    (p,) = raster_pages(env, out)
    check((p["width"], p["height"], p["page_w"], p["page_h"], p["optimize"]) == (874, 1240, 419, 595, "photo"),
          "A5 at 150 dpi from JPEG: %r", p)


@test
def copies_and_duplex_padding(env):
    out, piped = env.tmp("c.pwg"), env.tmp("c-pipe.pwg")
    args = [env.doc("text.pdf"), "--resolution", "40", "--copies", "2"]
    render(env, *args, "-o", out)
    check(len(raster_pages(env, out)) == 8, "4 pages x 2 copies expected")
    # 3 pages two-sided, 2 copies: each copy padded to 4 pages
    three = env.tmp("three.pdf")
    with open(three, "wb") as f:
        f.write(pdf_pages(3))
    render(env, three, "-o", out, "--resolution", "40", "--copies", "2", "--sides", "two-sided-long-edge")
    pages = raster_pages(env, out)
    check(len(pages) == 8 and all(p["total"] == 8 for p in pages), "3 pages duplex x 2: %d pages", len(pages))
    first, fifth, blank = (raster_ppm(env, out, n, env.tmp("c%d.ppm" % n)) for n in (1, 5, 4))
    check(first[2] == fifth[2], "copy 2 page 1 differs from copy 1 page 1")
    check(set(blank[2]) == {255}, "the padding page is not blank")
    check(first[2] != blank[2], "page 1 is blank")
    # non-seekable output: pages rendered again, same bytes
    with open(piped, "wb") as f:
        rc = subprocess.run([env.quire, three, "-o", "-", "--resolution", "40", "--copies", "2",
                             "--sides", "two-sided-long-edge"], stdout=f, timeout=RUN_TIMEOUT).returncode
    check(rc == 0, "-o - failed")
    check(open(piped, "rb").read() == open(out, "rb").read(), "piped output differs from file output")
    d = info(env, three, "--copies", "2", "--sides", "two-sided-long-edge")
    check((d["pages"], d["sheets"], d["copies"]) == (3, 4, 2), "info: %r", d)
    d = info(env, three, "--copies", "3")
    check(d["sheets"] == 9, "simplex 3 pages x 3 copies: %d sheets", d["sheets"])


@test
def pixels_match_pdftoppm(env):
    if not shutil.which("pdftoppm"):
        raise Skip("pdftoppm (poppler-utils) is not installed")
    cases = [("text.pdf", 1, [], 15, 28), ("photo.pdf", 2, [], 38, 40),
             ("onepage-letter.pdf", 1, ["--media", "na_letter_8.5x11in"], 15, 28),
             ("colour-set.pdf", 2, [], 38, 40), ("colour-set.pdf", 5, [], 30, 35)]
    for name, page, extra, min_psnr, min_psnr8 in cases:
        out = env.tmp("m.pwg")
        render(env, env.doc(name), "-o", out, *extra)
        ref = env.tmp("ref")
        rc, _, err = run(["pdftoppm", "-r", "300", "-f", str(page), "-l", str(page), "-singlefile",
                          env.doc(name), ref])
        check(rc == 0, "pdftoppm failed: %s", err)
        compare(env, out, page, ref + ".ppm", min_psnr, min_psnr8, "%s page %d" % (name, page))
    # JPEG: against the same JPEG placed full-page in a PDF, rendered by pdftoppm
    for name in ("photo.jpg", "progressive.jpg"):
        out = env.tmp("j.pwg")
        render(env, env.doc(name), "-o", out)
        ref = env.tmp("jref")
        run(["pdftoppm", "-r", "300", "-singlefile", env.doc("photo-ref.pdf"), ref])
        compare(env, out, 1, ref + ".ppm", 30 if name == "progressive.jpg" else 38, 38, name)


def compare(env, pwg, page, ref_ppm, min_psnr, min_psnr8, what):
    rc, out, err = run([env.rastercheck, pwg, "--compare", str(page), ref_ppm])
    check(rc == 0, "%s: compare failed: %s", what, err.strip())
    c = json.loads(out.decode().splitlines()[-1])["compare"]
    check(c["width"] >= 2479 and c["height"] >= 3299, "%s: compared only %dx%d", what, c["width"], c["height"])
    check(c["psnr"] >= min_psnr and c["psnr8"] >= min_psnr8,
          "%s: PSNR %.1f dB (min %d), 8x8 PSNR %.1f dB (min %d)", what, c["psnr"], min_psnr,
          c["psnr8"], min_psnr8)


@test
def colour_classification(env):
    doc = env.doc("colour-set.pdf")
    runs = {"info at 100 dpi": info(env, doc),
            "info at 150 dpi": info(env, doc, "--resolution", "150"),
            "info with PWG output": info(env, doc, "-o", env.tmp("cs.pwg")),
            "info, one worker": info(env, doc, "--jobs", "1")}
    for what, d in runs.items():
        got = [p["color"] for p in d["per_page"]]
        check(got == COLOUR_SET, "%s: %r, expected %r", what, got, COLOUR_SET)
        check(d["color_pages"] == 4 and d["mono_pages"] == 4 and d["pages"] == 8, "%s: counts %r", what, d)
    d = runs["info at 100 dpi"]
    blank = d["per_page"][5]["coverage"]
    check(all(v == 0 for v in blank.values()), "blank page coverage %r", blank)
    fills = d["per_page"][1]["coverage"]
    check(all(fills[k] > 0.1 for k in "cmy"), "colour page coverage %r", fills)
    text = d["per_page"][0]["coverage"]
    check(0.01 < text["k"] < 0.5 and text["c"] == 0 and text["m"] == 0, "text page coverage %r", text)
    check(abs(d["per_page"][0]["width_pt"] - 595.3) < 0.2, "width_pt %r", d["per_page"][0]["width_pt"])
    grey = info(env, doc, "--color", "sgray")
    check(grey["color_pages"] == 0 and grey["mono_pages"] == 8, "sgray: %r", grey["color_pages"])
    for name, colour in (("gray.jpg", False), ("photo.jpg", True), ("cmyk.jpg", True)):
        d = info(env, env.doc(name))
        check(d["per_page"][0]["color"] is colour, "%s colour = %r", name, d["per_page"][0]["color"])


@test
def malformed_inputs_fail_cleanly(env):
    binaries = [("build", env.quire)] + ([("asan", env.asan)] if env.asan else [])
    asan_logs = env.tmp("asan-logs")
    os.makedirs(asan_logs, exist_ok=True)
    san_env = dict(os.environ, ASAN_OPTIONS="log_path=%s/asan:detect_leaks=1" % asan_logs,
                   UBSAN_OPTIONS="log_path=%s/ubsan:print_stacktrace=1" % asan_logs)
    for label, binary in binaries:
        for name, data, extra, want in malformed_inputs(env):
            path = env.tmp(name)
            with open(path, "wb") as f:
                f.write(data)
            out, thumb = env.tmp("bad.out"), env.tmp("bad-thumb.jpg")
            rc, stdout, err = run([binary, path, "-o", out, "--thumbnail", thumb, "--info"] + extra,
                                  env=san_env)
            check(rc == want, "%s %s: exit %d, expected %d (%s)", label, name, rc, want, err.strip())
            check(re.fullmatch(r"quire-render: [^\n]+\n", err), "%s %s: stderr %r", label, name, err)
            check(stdout == b"", "%s %s: printed %r", label, name, stdout[:80])
            check(not os.path.exists(out) and not os.path.exists(thumb),
                  "%s %s: output left behind", label, name)
    for args, want in (([env.doc("text.pdf"), "--resolution", "5", "--info"], 2),
                       ([env.doc("text.pdf"), "--bogus"], 2), (["--info"], 2),
                       ([env.doc("text.pdf")], 2), ([env.tmp("missing.pdf"), "--info"], 2),
                       ([env.doc("text.pdf"), "--media", "nonsense", "--info"], 2)):
        rc, _, err = run([env.quire] + args)
        check(rc == want and err.count("\n") == 1 and err.startswith("quire-render: "),
              "usage %r: exit %d, %r", args, rc, err)
    for jobs in ("1", "2"):  # a full disk, with and without the background writer thread
        rc, _, err = run([env.quire, env.doc("photo.jpg"), "-o", "/dev/full", "--jobs", jobs])
        check(rc == 1 and err == "quire-render: cannot write the output: No space left on device\n",
              "--jobs %s to /dev/full: exit %d, %r", jobs, rc, err)
    if env.asan:   # good documents under the sanitizers too, at a low resolution
        for name in ("text.pdf", "photo.jpg", "cmyk.jpg", "exif-6.jpg", "colour-set.pdf"):
            rc, _, err = run([env.asan, env.doc(name), "-o", env.tmp("a.pwg"), "--resolution", "50",
                              "--info", "--thumbnail", env.tmp("a.jpg")], env=san_env)
            check(rc == 0, "asan %s: exit %d %s", name, rc, err)
        rc, _, err = run([env.asan, env.doc("exif-6.jpg"), "-o", env.tmp("a.pwg"), "--jobs", "2"],
                         env=san_env)  # many bands: painter and writer threads
        check(rc == 0, "asan exif-6.jpg at 300 dpi: exit %d %s", rc, err)
        for name, data in (("a.pwg", make_pwg("srgb8", 120, 160, 100, 2)),
                           ("a.urf", make_urf("sgray8", 120, 160, 100, 2))):
            path = env.tmp("in-" + name)
            with open(path, "wb") as f:
                f.write(data)
            rc, _, err = run([env.asan, path, "-o", env.tmp("a2.pwg"), "--resolution", "50", "--info"],
                             env=san_env)
            check(rc == 0, "asan %s: exit %d %s", name, rc, err)
    reports = os.listdir(asan_logs)
    check(not reports, "sanitizer reports: %s\n%s", reports,
          "".join(open(os.path.join(asan_logs, r)).read()[:3000] for r in reports[:2]))
    if not env.asan:
        print("    (build-asan/quire-render absent: sanitizer pass not run)")


@test
def raster_inputs(env):
    white, cases = (255, 255, 255), [
        ("pwg sgray_8", make_pwg("sgray8", *A4, 300), (0, 0, 0)),
        ("pwg srgb_8", make_pwg("srgb8", *A4, 300), (0xc0, 0x10, 0x10)),
        ("pwg black_1", make_pwg("black1", *A4, 300), (0, 0, 0)),
        ("pwg cmyk_8", make_pwg("cmyk8", *A4, 300), (255, 0, 0)),
        ("urf srgb24", make_urf("srgb24", *A4, 300), (0xc0, 0x10, 0x10)),
        ("urf sgray8 150 dpi", make_urf("sgray8", 1240, 1754, 150), (0, 0, 0)),
        ("pwg 3 pages", make_pwg("srgb8", 1240, 1754, 150, 3), (0xc0, 0x10, 0x10)),
    ]
    for what, data, ink in cases:
        path, out = env.tmp("in.raster"), env.tmp("r.pwg")
        with open(path, "wb") as f:
            f.write(data)
        render(env, path, "-o", out)
        pages = raster_pages(env, out)
        want_pages = 3 if "3 pages" in what else 1
        check(len(pages) == want_pages, "%s: %d pages", what, len(pages))
        img = raster_ppm(env, out, len(pages), env.tmp("r.ppm"))
        check((img[0], img[1]) == A4, "%s: %dx%d", what, img[0], img[1])
        for (x, y), colour in (((200, 300), ink), ((2000, 300), white), ((200, 3000), white),
                               ((1200, 1700), ink), ((1300, 1800), white)):
            check(near(pixel(img, x, y), colour), "%s: pixel %d,%d is %r, expected %r", what, x, y,
                  pixel(img, x, y), colour)
    # our own PWG output read back at the same geometry gives the same pixels
    first = env.tmp("rt1.pwg")
    render(env, env.doc("text.pdf"), "-o", first, "--resolution", "100")
    second = env.tmp("rt2.pwg")
    render(env, first, "-o", second, "--resolution", "100")
    check(raster_ppm(env, first, 2, env.tmp("rt1.ppm"))[2] == raster_ppm(env, second, 2, env.tmp("rt2.ppm"))[2],
          "PWG -> PWG at the same geometry changed pixels")


@test
def conformance_documents(env):
    if not os.path.isdir(TESTDOCS):
        raise Skip("%s is absent" % TESTDOCS)
    seen = 0
    for root, _, files in os.walk(TESTDOCS):
        for name in sorted(files):
            src = os.path.join(root, name)
            ext = name.rsplit(".", 1)[-1].lower()
            if ext not in ("pdf", "jpg", "pwg", "urf"):
                continue
            path = src
            with open(src, "rb") as f:
                head = f.read(2)
            if head == b"\x1f\x8b":                  # CUPS's .pwg samples are gzip'd
                path = env.tmp("gunzip-" + name)
                with gzip.open(src) as g, open(path, "wb") as f:
                    f.write(g.read())
            out = env.tmp("conf.pwg")
            _, stdout, _ = render(env, path, "-o", out, "--resolution", "75", "--info")
            d = json.loads(stdout)
            pages = raster_pages(env, out)
            check(len(pages) == d["pages"], "%s: %d pages written, info says %d", name, len(pages), d["pages"])
            if ext == "pdf" and shutil.which("pdfinfo"):
                rc, pi, _ = run(["pdfinfo", path])
                m = re.search(rb"Pages:\s+(\d+)", pi)
                check(m and int(m.group(1)) == d["pages"], "%s: pdfinfo disagrees on pages", name)
            m = re.search(r"(\d+)pages", name)
            if m:
                check(d["pages"] == int(m.group(1)), "%s: %d pages", name, d["pages"])
            seen += 1
    check(seen >= 10, "only %d conformance documents found", seen)


@test
def other_outputs(env):
    pdf, jpg, thumb = env.tmp("o.pdf"), env.tmp("o.jpg"), env.tmp("t.jpg")
    render(env, env.doc("text.pdf"), "-o", pdf, "--to", "pdf")
    check(open(pdf, "rb").read() == open(env.doc("text.pdf"), "rb").read(), "PDF not passed through")
    for name in ("photo-12mp.jpg", "exif-6.jpg"):
        render(env, env.doc(name), "-o", pdf, "--to", "pdf")
        if shutil.which("pdfinfo"):
            _, out, _ = run(["pdfinfo", pdf])
            check(b"Pages:           1" in out and re.search(rb"Page size:\s+595\.\d* x 841\.\d* pts", out),
                  "%s as PDF: %s", name, out.decode())
    raster = env.tmp("two.pwg")
    with open(raster, "wb") as f:
        f.write(make_pwg("srgb8", 620, 877, 75, 2))
    render(env, raster, "-o", pdf, "--to", "pdf")
    if shutil.which("pdfinfo"):
        _, out, _ = run(["pdfinfo", pdf])
        check(b"Pages:           2" in out, "raster as PDF: %s", out.decode())
    render(env, env.doc("onepage-letter.pdf"), "-o", jpg, "--to", "jpeg", "--resolution", "100",
           "--thumbnail", thumb)
    check(jpeg_size(jpg) == (826, 1169), "JPEG of an A4 page at 100 dpi: %r", jpeg_size(jpg))
    check(jpeg_size(thumb) == (181, 256), "thumbnail size %r", jpeg_size(thumb))
    render(env, env.doc("photo-12mp.jpg"), "--thumbnail", thumb)
    check(jpeg_size(thumb) == (181, 256), "thumbnail of a JPEG %r", jpeg_size(thumb))


def jpeg_size(path):
    data = open(path, "rb").read()
    check(data[:2] == b"\xff\xd8", "%s is not a JPEG", path)
    i = 2
    while i + 9 < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise Failure("%s: no SOF marker" % path)


@test
def exif_orientation(env):
    # stored image: 600x400, red top-left quadrant. Expected red quadrant on A4 after orientation
    # (portrait results fill the width; landscape ones are turned counter-clockwise).
    expected = {"exif-3.jpg": "top-right", "exif-6.jpg": "top-right", "exif-8.jpg": "bottom-left"}
    for name, where in expected.items():
        out = env.tmp("e.pwg")
        render(env, env.doc(name), "-o", out, "--resolution", "50")
        img = raster_ppm(env, out, 1, env.tmp("e.ppm"))
        w, h = img[0], img[1]
        probes = {"top-left": (w // 4, h // 4), "top-right": (3 * w // 4, h // 4),
                  "bottom-left": (w // 4, 3 * h // 4), "bottom-right": (3 * w // 4, 3 * h // 4)}
        for quad, (x, y) in probes.items():
            r, g, b = pixel(img, x, y)
            check((r > 150 and b < 100) == (quad == where), "%s: %s quadrant is %r", name, quad, (r, g, b))


@test
def workers_match_single_process(env):
    one, two = env.tmp("w1.pwg"), env.tmp("w2.pwg")
    render(env, env.doc("text.pdf"), "-o", one, "--resolution", "100", "--jobs", "1")
    render(env, env.doc("text.pdf"), "-o", two, "--resolution", "100", "--jobs", "3")
    check(open(one, "rb").read() == open(two, "rb").read(), "--jobs 3 output differs from --jobs 1")
    stdin_out = env.tmp("w3.pwg")
    with open(env.doc("text.pdf"), "rb") as f:
        rc, _, err = run([env.quire, "-", "-o", stdin_out, "--resolution", "100"], stdin=f)
    check(rc == 0 and open(stdin_out, "rb").read() == open(one, "rb").read(), "stdin input: %s", err)
    # images: painter and writer threads (default) against one thread (--jobs 1)
    for name, extra in (("photo-12mp.jpg", ["--media", "na_letter_8.5x11in"]),
                        ("cmyk.jpg", ["--color", "sgray"]), ("exif-6.jpg", ["--resolution", "600"]),
                        ("progressive.jpg", ["--media", "iso_a3_297x420mm"])):
        render(env, env.doc(name), "-o", one, "--jobs", "1", *extra)
        render(env, env.doc(name), "-o", two, "--jobs", "2", *extra)
        check(open(one, "rb").read() == open(two, "rb").read(),
              "%s: --jobs 2 output differs from --jobs 1", name)


@test
def memory_bounded_by_one_page(env):
    """Peak RSS of the largest process (workers included), 600 dpi, output to /dev/null."""
    def peak(doc):
        code = ("import resource, subprocess, sys\n"
                "rc = subprocess.run(sys.argv[1:]).returncode\n"
                "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
        rc, out, err = run([sys.executable, "-c", code, env.quire, env.doc(doc), "-o", "/dev/null",
                            "--resolution", "600"])
        status, kb = out.split()
        check(rc == 0 and status == b"0", "%s at 600 dpi failed: %s", doc, err)
        return int(kb)
    one, hundred = peak("pages1.pdf"), peak("pages100.pdf")
    print("    peak RSS at 600 dpi: 1 page %d KiB, 100 pages %d KiB" % (one, hundred))
    check(hundred <= one * 1.10, "100 pages peak %d KiB > 1 page %d KiB + 10%%", hundred, one)


@test
def ippeveprinter_accepts_output(env):
    """Our PWG raster printed to real IPP Everywhere printers (ippeveprinter, in a private
    network namespace) whose print commands read it with libcups: ippevepcl (sGray, to PCL) and
    ippeveps (sRGB, to PostScript). Each job must complete with every page counted, and the
    printer must have kept exactly our bytes."""
    why = mfdlab.missing_tools()
    if why:
        raise Skip(why)
    cases = [("sgray", "/usr/sbin/ippevepcl", False, ["--sides", "two-sided-long-edge"]),
             ("srgb", "/usr/sbin/ippeveps", True, [])]
    with mfdlab.MfdLab("r") as lab:
        for i, (color, command, is_color, extra) in enumerate(cases):
            out = env.tmp("eve-%s.pwg" % color)
            render(env, env.doc("text.pdf"), "-o", out, "--color", color, *extra)
            pages = len(raster_pages(env, out))
            mfd = lab.mfd("Eve%s" % color, 9300 + i, formats=["image/pwg-raster"],
                          color=is_color, command=command)
            r = lab.run(["ipptool", "-tv", "-f", out, "-d", "filetype=image/pwg-raster", mfd.uri,
                         "/usr/share/cups/ipptool/print-job-and-wait.test"], timeout=RUN_TIMEOUT)
            states = re.findall(r"job-state \(enum\) = (\S+)", r.stdout)
            done = re.findall(r"job-impressions-completed \(integer\) = (\d+)", r.stdout)
            check(r.returncode == 0 and states and states[-1] == "completed",
                  "%s job did not complete: %s", color, r.stdout[-800:])
            check(done and int(done[-1]) == pages, "%s: device counted %s of %d pages",
                  color, done, pages)
            check("ERROR" not in mfd.log(), "%s: the print command failed: %s", color, mfd.log())
            kept = [f for f in mfd.received() if f.endswith(".pwg")]
            check(len(kept) == 1 and open(kept[0], "rb").read() == open(out, "rb").read(),
                  "%s: the device kept %s, not our raster", color, kept)
            printed = [f for f in mfd.received() if f.endswith(".prn")]
            check(printed and os.path.getsize(printed[0]) > 0, "%s: no printer output", color)


def main():
    ap = argparse.ArgumentParser(description="quire-render tests")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build"))
    ap.add_argument("-k", dest="filter")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    bin_dir = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="test-render-")
    env = Env(bin_dir, work)
    passed = failed = skipped = 0
    rc, _, err = run([os.path.join(bin_dir, "tests", "render-docs"), env.docs])
    if rc != 0 or not os.access(env.quire, os.X_OK):
        print("FAIL setup: render-docs or quire-render missing (%s)" % err.strip())
        print("0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    for fn in TESTS:
        if args.filter and args.filter not in fn.__name__:
            continue
        t0 = time.monotonic()
        try:
            fn(env)
            passed += 1
            print("PASS %s (%.1fs)" % (fn.__name__, time.monotonic() - t0), flush=True)
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, e), flush=True)
        except Failure as e:
            failed += 1
            print("FAIL %s (%.1fs): %s" % (fn.__name__, time.monotonic() - t0, e), flush=True)
        except Exception as e:  # noqa: BLE001 - any error fails the test with its reason
            failed += 1
            print("FAIL %s: %s: %s\n%s" % (fn.__name__, type(e).__name__, e,
                                          traceback.format_exc(limit=4)), flush=True)
    if args.keep:
        print("work directory: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
