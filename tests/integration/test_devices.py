#!/usr/bin/env python3
"""The device registry and the status monitor, against ippeveprinter MFDs in a private network
namespace (mfdlab.py), through `quire` and the admin API.

- `quire device-add` reads each device's capabilities (formats, colour, duplex, media, PWG
  types and resolutions, copies); `quire devices` and GET /api/devices show the live state,
  reasons, reachability and supply levels the device reports (ippeveprinter's printer-supply);
  a device stopped with SIGSTOP turns unreachable within seconds and comes back after SIGCONT;
  one killed and restarted likewise.
- Bad names, bad URIs, unreachable devices (unless "probe": false), missing admin token: clear
  errors, nothing stored. A device with jobs being printed cannot be removed.
- Devices are kept across restarts.
- Fallback devices: socket:// and lpd://, each against a receiver in the namespace that keeps
  what it gets (a raw socket, and an RFC 1179 LPD receiver that checks every command).

Run (as root): python3 tests/integration/test_devices.py --bin build
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devlab as dl  # noqa: E402
from devlab import check, test  # noqa: E402
import quiretest as qt  # noqa: E402


def status(dev):
    return dev["status"]


@test
def devices_show_capabilities_live_state_and_supplies(ctx):
    colour = ctx.mfd("ColourPDF", formats=["application/pdf", "image/pwg-raster"], color=True,
                     duplex=True)
    mono = ctx.mfd("MonoRaster", formats=["image/pwg-raster"], color=False, duplex=False)
    d = ctx.daemon()
    r = d.cli("device-add", "colour", colour.uri, "--location", "Floor 1", "--info", "Big MFD")
    check(r.returncode == 0 and "device colour added" in r.stdout, "device-add: %r", r)
    r = d.cli("device-add", "mono", mono.uri)
    check(r.returncode == 0, "device-add mono: %r", r)
    c, m = dl.device(d, "colour"), dl.device(d, "mono")
    cc, mc = c["capabilities"], m["capabilities"]
    check(cc["color"] and cc["duplex"] and "application/pdf" in cc["formats"], "colour: %r", cc)
    check(not mc["color"] and not mc["duplex"] and "application/pdf" not in mc["formats"],
          "mono: %r", mc)
    check(mc["pwg_raster_types"] == ["black_1", "sgray_8"] and mc["pwg_resolutions"] == [300, 600],
          "mono raster: %r", mc)
    check("iso_a4_210x297mm" in cc["media_supported"] and cc["copies_max"] == 999 and
          mc["copies_max"] == 1, "media/copies: %r %r", cc, mc)
    check(c["location"] == "Floor 1" and c["info"] == "Big MFD" and
          c["make_model"] == "quire-test ColourPDF", "registry: %r", c)
    st = status(c)
    check(st["state"] == "idle" and st["reachable"] and st["reasons"] == ["none"] and
          st["can_release"], "status: %r", st)
    levels = {x["name"]: x["level"] for x in status(m)["markers"]}
    check(levels.get("Black Toner") == 75 and levels.get("Toner Waste Tank") == 25,
          "mono supplies: %r", status(m)["markers"])
    check(len(status(c)["markers"]) == 5, "colour supplies: %r", status(c)["markers"])
    r = d.cli("devices")
    check(r.returncode == 0 and "colour" in r.stdout and "Black Toner 75%" in r.stdout and
          "idle" in r.stdout, "quire devices: %r", r.stdout)
    # stopped: unreachable within a few polls, with a reason; back when resumed
    os.kill(mono.proc.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        m = dl.wait_device(d, "mono", lambda v: not status(v)["reachable"], "unreachable")
        print("    SIGSTOP seen as unreachable after %.1f s (poll 1 s, timeout 2 s)" %
              (time.monotonic() - t0))
        check("no answer" in status(m)["error"] and not status(m)["can_release"],
              "stopped device: %r", status(m))
        r = d.cli("devices")
        line = [x for x in r.stdout.splitlines() if x.startswith("mono ")]
        check(line and " no " in line[0], "quire devices while stopped: %r", r.stdout)
        check(status(dl.device(d, "colour"))["reachable"], "the other device suffered")
    finally:
        os.kill(mono.proc.pid, signal.SIGCONT)
    dl.wait_device(d, "mono", lambda v: status(v)["reachable"] and status(v)["can_release"],
                   "reachable again")
    colour.stop(signal.SIGKILL)
    c = dl.wait_device(d, "colour", lambda v: not status(v)["reachable"], "gone")
    check("connect" in status(c)["error"], "killed device: %r", status(c))
    colour.start()
    dl.wait_device(d, "colour", lambda v: status(v)["reachable"], "back", timeout=30)
    r = d.cli("--json", "devices")
    check(r.returncode == 0 and len(json.loads(r.stdout)) == 2, "devices --json: %r", r.stdout)


@test
def bad_devices_are_refused_with_a_reason(ctx):
    mfd = ctx.mfd("Spare", formats=["application/pdf"])
    d = ctx.daemon()
    cases = [({"name": "bad name!", "uri": mfd.uri}, 400, "device names"),
             ({"name": "x", "uri": "http://localhost/"}, 400, "unsupported device URI"),
             ({"name": "x"}, 400, "name and uri are required"),
             ({"name": "x", "uri": "ipp://localhost:%d/ipp/print" % qt.free_port()}, 502,
              "does not answer")]
    for body, want, text in cases:
        st, r = dl.api(d, "POST", "/api/devices", body)
        check(st == want and text in r["error"], "%r: %d %r", body, st, r)
    st, r = dl.api(d, "GET", "/api/devices", token=False)
    check(st == 401, "no token: %d", st)
    st, r = dl.api(d, "POST", "/api/devices", {"name": "x", "uri": mfd.uri}, token=False)
    check(st == 401, "no token: %d", st)
    st, r = dl.api(d, "GET", "/api/devices")
    check(st == 200 and r == [], "stored anyway: %r", r)
    # stored without asking the device; its capabilities come at its first answer
    port = qt.free_port()
    st, r = dl.api(d, "POST", "/api/devices", {"name": "later", "probe": False,
                                                "uri": "ipp://localhost:%d/ipp/print" % port})
    check(st == 201 and r["capabilities"]["formats"] == [], "probe false: %d %r", st, r)
    later = ctx.lab.mfd("Later", port, formats=["application/pdf", "image/jpeg"])
    v = dl.wait_device(d, "later", lambda x: x["capabilities"]["formats"], "capabilities read",
                       timeout=30)
    check("image/jpeg" in v["capabilities"]["formats"], "capabilities: %r", v["capabilities"])
    check(later.proc.poll() is None, "MFD died")
    r = d.cli("device-del", "nosuch")
    check(r.returncode == 1 and "no device nosuch" in r.stderr, "device-del unknown: %r", r)
    r = d.cli("device-add", "x", mfd.uri, "--color", "maybe")
    check(r.returncode == 2 and "yes or no" in r.stderr, "bad --color: %r", r)


@test
def device_with_jobs_printing_is_kept(ctx):
    slow = ctx.script("slow.sh", "sleep 4\nexit 0\n")
    mfd = ctx.mfd("Slow", formats=["application/pdf"], command=slow)
    d = ctx.daemon()
    dl.add_device(d, "slow", mfd)
    jid = dl.submit(d, ctx.doc("text.pdf"))
    st, r = dl.release(d, jid, "slow")
    check(st == 202, "release: %d %r", st, r)
    r = d.cli("device-del", "slow")
    check(r.returncode == 1 and "being printed" in r.stderr, "deleted while printing: %r", r)
    dl.wait_job(d, jid, dl.completed, "completed")
    r = d.cli("device-del", "slow")
    check(r.returncode == 0 and "removed" in r.stdout, "device-del: %r", r)
    st, _ = dl.api(d, "GET", "/api/devices/slow")
    check(st == 404, "still there: %d", st)


@test
def devices_are_kept_across_restarts(ctx):
    mfd = ctx.mfd("Kept", formats=["application/pdf", "image/pwg-raster"], color=False)
    d = ctx.daemon()
    dl.add_device(d, "kept", mfd, location="Hall")
    d.stop()
    d.start()
    v = dl.wait_device(d, "kept", lambda x: status(x)["reachable"], "reachable after restart")
    check(v["location"] == "Hall" and not v["capabilities"]["color"] and
          "image/pwg-raster" in v["capabilities"]["formats"], "after restart: %r", v)


class Receiver:
    """A TCP receiver in the namespace (a child Python process) that keeps what it gets.
    kind "raw": the bytes of each connection; kind "lpd": RFC 1179 receive-job, checking each
    command and acknowledging it, keeping the control and data files."""

    CODE = r'''
import os, socket, sys
kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(4)
print("ready", flush=True)
n = 0
def line(c):
    b = b""
    while not b.endswith(b"\n"):
        x = c.recv(1)
        if not x: raise EOFError
        b += x
    return b
def exact(c, k):
    b = b""
    while len(b) < k:
        x = c.recv(min(65536, k - len(b)))
        if not x: raise EOFError
        b += x
    return b
while True:
    c, _ = srv.accept(); n += 1
    try:
        if kind == "raw":
            data = b""
            while True:
                x = c.recv(65536)
                if not x: break
                data += x
            if data:
                open(os.path.join(out, "job%d.raw" % n), "wb").write(data)
            continue
        first = c.recv(1)
        if not first: continue  # a reachability check: connect and close
        cmd = first + line(c)
        if cmd[:1] != b"\x02": c.sendall(b"\x01"); continue
        c.sendall(b"\x00")
        while True:
            try: sub = line(c)
            except EOFError: break
            code, rest = sub[:1], sub[1:-1].split(b" ", 1)
            size, name = int(rest[0]), rest[1].decode()
            c.sendall(b"\x00")
            data = exact(c, size)
            if exact(c, 1) != b"\x00": raise ValueError("no zero byte after " + name)
            open(os.path.join(out, "%d-%s" % (n, name)), "wb").write(data)
            c.sendall(b"\x00")
    except (EOFError, ValueError) as e:
        open(os.path.join(out, "errors"), "a").write("%d: %s\n" % (n, e))
    finally:
        c.close()
'''

    def __init__(self, ctx, kind):
        self.dir = os.path.join(ctx.work, kind)
        os.makedirs(self.dir)
        self.port = qt.free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE, kind, str(self.port),
                                      self.dir], stdout=subprocess.PIPE, text=True)
        check(self.proc.stdout.readline().strip() == "ready", "receiver did not start")
        ctx.lab.lab.procs.append(self.proc)

    def files(self):
        return sorted(f for f in os.listdir(self.dir) if f != "errors")

    def read(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()


@test
def socket_device_gets_the_bytes(ctx):
    rx = Receiver(ctx, "raw")
    d = ctx.daemon()
    dl.add_device(d, "raw", "socket://localhost:%d" % rx.port, formats="application/pdf",
                  color=True)
    v = dl.wait_device(d, "raw", lambda x: status(x)["reachable"], "reachable")
    check(v["kind"] == "socket" and v["capabilities"]["formats"] == ["application/pdf"] and
          v["capabilities"]["color"] and not v["capabilities"]["duplex"], "raw device: %r", v)
    pdf = ctx.doc("text.pdf")
    jid = dl.submit(d, pdf)
    st, r = dl.release(d, jid, "raw")
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed")
    sent = [f for f in rx.files() if rx.read(f) == open(pdf, "rb").read()]
    check(len(sent) == 1, "receiver got %r", rx.files())
    dv = dl.deliveries(d, jid)
    check(dv[0]["state"] == "done" and dv[0]["printed_calls"] == 1 and
          dv[0]["device_impressions"] == -1, "delivery: %r", dv)
    # a job that needs copies the raw device cannot be asked for goes as raster, if it takes it
    jid = dl.submit(d, pdf)
    st, r = dl.release(d, jid, "raw", copies=2)
    check(st == 409 and "at most 1 copies" in r["error"], "copies on raw PDF device: %d %r", st, r)


@test
def lpd_device_gets_control_and_data_files(ctx):
    rx = Receiver(ctx, "lpd")
    d = ctx.daemon()
    dl.add_device(d, "lpd", "lpd://localhost:%d/lp" % rx.port,
                  formats="image/pwg-raster", duplex=True)
    dl.wait_device(d, "lpd", lambda x: status(x)["reachable"], "reachable")
    jid = dl.submit(d, ctx.doc("text.pdf"), user="bob", name="minutes")
    st, r = dl.release(d, jid, "lpd", copies=2)
    check(st == 202, "release: %d %r", st, r)
    dl.wait_job(d, jid, dl.completed, "completed", timeout=120)
    check(not os.path.exists(os.path.join(rx.dir, "errors")), "LPD errors: %s",
          open(os.path.join(rx.dir, "errors")).read() if os.path.exists(
              os.path.join(rx.dir, "errors")) else "")
    files = rx.files()
    data = [f for f in files if "-dfA" in f]
    control = [f for f in files if "-cfA" in f]
    check(len(data) == 1 and len(control) == 1, "LPD files: %r", files)
    pages = dl.raster_pages(ctx, os.path.join(rx.dir, data[0]))
    check(len(pages) == 8 and all(p["cs"] == 18 for p in pages),
          "%d pages (want 4 x 2 copies, grey): %r", len(pages), pages[:1])
    cf = rx.read(control[0]).decode().splitlines()
    check("Pbob" in cf and "Jminutes" in cf and sum(1 for x in cf if x.startswith("ldfA")) == 1,
          "control file: %r", cf)
    check(any(x.startswith("H") for x in cf) and any(x.startswith("UdfA") for x in cf),
          "control file: %r", cf)


if __name__ == "__main__":
    dl.run("quire device registry and monitor", "v")
