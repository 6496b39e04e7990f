#!/usr/bin/env python3
"""Discovery end to end, as a phone sees it: two network namespaces ("appliance" and "phone")
joined by a veth pair, a private D-Bus and avahi-daemon in each; quired runs in the appliance
namespace and advertises its queues. From the phone namespace, avahi-browse and ippfind find
every queue (_ipp._tcp and its _universal and _print subtypes) with TXT records equal to what
Get-Printer-Attributes reports; ipptool prints a PDF and a JPEG to the URI ippfind resolved and
the jobs are held in quired; _ipps._tcp (and its subtypes) point at the TLS port with the same
TXT plus TLS=1.2, and ipptool reaches the ipps:// URI ippfind resolves. The appliance's
avahi-daemon is killed and restarted and the services come back; a reload changes, adds and
removes queues; another device advertising the same name forces a rename the phone sees and
`quire status` reports.

Nothing touches the machine's real interfaces (see ../shared/notes/avahi-in-netns.md).

Run (as root): python3 tests/integration/test_dnssd.py --bin build
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
from quiretest import (OP_GET_PRINTER_ATTRIBUTES, TAG_KEYWORD, HttpConn, decode, encode,  # noqa: E402
                       ipp_request)

APP_ADDR, PHONE_ADDR = "10.231.7.1", "10.231.7.2"
APP_HOST = "quire-app"
LONG_NAME = ("Sécurisé — Büro «Ørsted» Name that is deliberately far too long for one DNS "
             "label")

CONFIG = """[server]
log-level = debug

[queue office]
info = Office Printer
location = 2nd floor, room 201
duplex = default

[queue secure]
dnssd-name = %s
color = monochrome
duplex = off
auth = basic
""" % LONG_NAME

RELOADED = """[server]
log-level = debug

[queue office]
info = Office Printer
location = 2nd floor, room 201
color = monochrome
duplex = default

[queue lobby]
info = Lobby

[queue collide]
dnssd-name = Collide Me
"""

TYPES = ("_ipp._tcp", "_universal._sub._ipp._tcp", "_print._sub._ipp._tcp")


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Appliance:
    """quired inside the appliance namespace."""

    def __init__(self, lab, host, bindir):
        self.lab, self.host, self.bindir = lab, host, bindir
        self.dir = os.path.join(host.dir, "quired")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        self.conf = os.path.join(self.dir, "quired.conf")
        self.port = 8631
        self.tls_port = 8632
        self.proc = None

    def write_config(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        self.proc = self.host.popen([os.path.join(self.bindir, "quired"), "-c", self.conf,
                                     "-d", self.data, "-p", str(self.port),
                                     "-t", str(self.tls_port), "-L", "*"],
                                    "quired.log")
        url = os.path.join(self.data, "quired.url")
        for _ in range(200):
            if os.path.exists(url):
                return
            check(self.proc.poll() is None, "quired exited: " + self.host.log("quired.log"))
            time.sleep(0.05)
        raise Failure("quired did not start: " + self.host.log("quired.log"))

    def reload(self, text):
        self.write_config(text)
        self.proc.send_signal(signal.SIGHUP)

    def quire(self, *args):
        r = self.host.run([os.path.join(self.bindir, "quire"), "-d", self.data] + list(args),
                          timeout=30)
        return r.stdout

    def status(self):
        return json.loads(self.quire("status", "--json"))

    def log(self):
        return self.host.log("quired.log")


def gpa(phone, queue, host_header):
    """Get-Printer-Attributes from the phone namespace, with the Host a phone would send."""
    with netlab.InNetns(phone.ns):
        conn = HttpConn(8631, host=APP_ADDR, timeout=10)
    with conn:
        conn.host = host_header.rsplit(":", 1)[0]   # the Host header the phone sends
        uri = "ipp://%s/ipp/print/%s" % (host_header, queue)
        msg = ipp_request(OP_GET_PRINTER_ATTRIBUTES, uri, "phone",
                          op_attrs=[("requested-attributes", TAG_KEYWORD, "all")])
        resp = conn.request("POST", "/ipp/print/" + queue, encode(msg), timeout=10)
    return decode(resp.body)


def wait_for(what, fn, timeout):
    """Calls fn() until it returns something truthy (bounded); returns (value, seconds)."""
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        last = fn()
        if last:
            return last, time.monotonic() - t0
        time.sleep(0.2)
    raise Failure("%s: not seen within %.0f s (last: %r)" % (what, timeout, last))


def by_name(services):
    return {s["name"]: s for s in services}


def paper_max(m):
    widest = 0
    for col in m.values("media-size-supported"):
        for member in col:
            if member.name == "x-dimension" and isinstance(member.value, int):
                widest = max(widest, member.value)
    return ("<legal-A4" if widest < 21000 else "legal-A4" if widest < 29700 else
            "tabloid-A3" if widest < 42000 else "isoC-A2" if widest < 59400 else ">isoC-A2")


def expected_txt(m):
    """The TXT record a phone should see, computed independently from the IPP answer."""
    v = lambda n: m.value(n)  # noqa: E731
    uri = m.values("printer-uri-supported")[0]
    rp = uri.split("/", 3)[3]
    exp = {
        "txtvers": "1", "qtotal": "1", "rp": rp, "ty": v("printer-make-and-model"),
        "adminurl": v("printer-more-info"), "note": v("printer-location"), "priority": "0",
        "product": "(%s)" % v("printer-make-and-model"),
        "pdl": ",".join(f for f in m.values("document-format-supported")
                        if f != "application/octet-stream"),
        "URF": ",".join(m.values("urf-supported")),
        "Color": "T" if v("color-supported") else "F",
        "Duplex": "T" if len(m.values("sides-supported")) > 1 else "F",
        "kind": ",".join(m.values("printer-kind")),
        "PaperMax": paper_max(m),
        "UUID": v("printer-uuid")[len("urn:uuid:"):],
        "mopria-certified": v("mopria-certified"),
    }
    if "basic" in m.values("uri-authentication-supported"):
        exp["air"] = "username,password"
    return exp


class Suite:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = self.skipped = 0
        self.lab = None

    def step(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - any error fails the step with its reason
            self.failed += 1
            detail = "" if isinstance(e, Failure) else "\n" + traceback.format_exc(limit=3)
            print("FAIL %s (%.1fs): %s%s" % (name, time.monotonic() - t0, e, detail), flush=True)
            return False
        self.passed += 1
        print("PASS %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        return True

    # ---- set-up ----
    def setup(self):
        lab = self.lab
        self.app = lab.host("app", APP_HOST)
        self.phone = lab.host("phone", "quire-phone")
        lab.link(self.app, APP_ADDR, self.phone, PHONE_ADDR)
        # the phone resolves NAME.local by mDNS; ipptool uses the system resolver, which here
        # has no nss-mdns, so the namespace's hosts file maps the name avahi announces
        lab.hosts_file(self.phone, [(APP_ADDR, APP_HOST + ".local")])
        for h in (self.app, self.phone):
            h.start_dbus()
            h.start_avahi()
        self.quired = Appliance(lab, self.app, self.args.bin)
        self.quired.write_config(CONFIG)
        self.quired.start()
        self.host_header = "%s.local:%d" % (APP_HOST, self.quired.port)

    # ---- steps ----
    def expected_names(self):
        return {"office": "Office Printer",
                "secure": LONG_NAME.encode()[:63].decode("utf-8", "ignore").rstrip()}

    def test_browse(self):
        names = self.expected_names()
        check(len(names["secure"].encode()) <= 63, "test bug: name too long")
        for t in TYPES:
            found, dt = wait_for("%s from the phone" % t, lambda t=t: (
                lambda s: s if all(n in s for n in names.values()) else None)(
                    by_name(netlab.browse(self.phone, t))), 20)
            for queue, name in names.items():
                s = found[name]
                check(s["address"] == APP_ADDR and s["port"] == self.quired.port,
                      "%s %s resolves to %s:%d" % (t, name, s["address"], s["port"]))
                check(s["host"] == APP_HOST + ".local", "host %s" % s["host"])
                check(s["txt"].get("rp") == "ipp/print/" + queue, "rp of %s: %r" % (
                    name, s["txt"].get("rp")))
            print("    %s: %d queues in %.1f s" % (t, len(names), dt))
        self.services = found

    def test_txt_equals_ipp(self):
        for queue, name in self.expected_names().items():
            s = self.services[name]
            txt = dict(s["txt"])
            lengths = txt.pop("\0lengths")
            check(max(lengths) <= 255, "a TXT string of %s is %d bytes" % (name, max(lengths)))
            check(sum(lengths) + len(lengths) < 1300, "TXT of %s is %d bytes" % (
                name, sum(lengths) + len(lengths)))
            m = gpa(self.phone, queue, self.host_header)
            check(m.status == 0, "GPA %s: status 0x%04x" % (queue, m.status))
            exp = expected_txt(m)
            for k, want in exp.items():
                check(txt.get(k) == want, "%s: TXT %s=%r but Get-Printer-Attributes says %r" % (
                    name, k, txt.get(k), want))
            extra = set(txt) - set(exp)
            check(not extra, "%s: TXT keys not derived from IPP: %s" % (name, extra))
            check(m.value("printer-dns-sd-name") == name, "printer-dns-sd-name %r" % (
                m.value("printer-dns-sd-name"),))
            check(("air" in txt) == (queue == "secure"), "air key on %s" % queue)
            print("    %s: %d TXT keys, %d bytes, all equal to the IPP attributes" % (
                queue, len(txt), sum(lengths) + len(lengths)))

    def test_ippfind_and_print(self):
        if not (shutil.which("ippfind") and shutil.which("ipptool")):
            raise Failure("ippfind/ipptool missing (cups-ipp-utils)")
        docs = os.path.join(self.lab.dir, "docs")
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")  # the generator, not quired
        netlab.run([os.path.join(self.args.bin, "tests", "mkdocs"), docs], env=env)
        r = self.phone.run(["ippfind", "-T", "5", "_ipp._tcp,_universal"], timeout=30,
                           check=False)
        uris = r.stdout.split()
        office = [u for u in uris if u.endswith("/ipp/print/office")]
        check(office, "ippfind found no office queue: %r (%s)" % (uris, r.stderr.strip()))
        check(len([u for u in uris if "/ipp/print/" in u]) >= 2, "ippfind: %r" % uris)
        uri = office[0]
        check(uri.startswith("ipp://%s.local:%d/" % (APP_HOST, self.quired.port)),
              "ippfind URI %s" % uri)
        for doc, fmt in (("testfile.pdf", "application/pdf"), ("color.jpg", "image/jpeg")):
            r = self.phone.run(["ipptool", "-tv", "-d", "filetype=" + fmt, "-f",
                                os.path.join(docs, doc), uri, "print-job.test"], timeout=60,
                               check=False)
            check(r.returncode == 0, "ipptool print %s to %s: %s" % (doc, uri, r.stdout[-800:]))
        jobs = json.loads(self.quired.quire("jobs", "--json"))
        held = [j for j in jobs if j.get("queue") == "office" and j.get("state_name") == "pending-held"]
        formats = sorted(d.get("format") for j in held for d in j.get("documents", []))
        check(len(held) >= 2, "held jobs in office: %r" % jobs)
        check("application/pdf" in formats and "image/jpeg" in formats, "formats %r" % formats)
        print("    ippfind -> %s; PDF and JPEG held (%d jobs)" % (uri, len(held)))

    def test_ipps(self):
        """_ipps._tcp and its subtypes on the TLS port, with _ipp's TXT plus TLS=1.2; ippfind
        resolves ipps:// URIs and ipptool talks to them."""
        names = self.expected_names()
        for t in ("_ipps._tcp", "_universal._sub._ipps._tcp", "_print._sub._ipps._tcp"):
            found, dt = wait_for("%s from the phone" % t, lambda t=t: (
                lambda s: s if all(n in s for n in names.values()) else None)(
                    by_name(netlab.browse(self.phone, t))), 20)
            for name in names.values():
                s, plain = found[name], self.services[name]
                check(s["port"] == self.quired.tls_port, "%s %s on port %d" % (t, name, s["port"]))
                txt, want = dict(s["txt"]), dict(plain["txt"])
                txt.pop("\0lengths")
                want.pop("\0lengths")
                want["TLS"] = "1.2"
                check(txt == want, "%s TXT of %s: %r, expected _ipp's plus TLS=1.2" % (t, name, txt))
            check("TLS" not in self.services[names["office"]]["txt"], "no TLS key on _ipp")
        r = self.phone.run(["ippfind", "-T", "5", "_ipps._tcp"], timeout=30, check=False)
        uris = [u for u in r.stdout.split() if u.endswith("/ipp/print/office")]
        check(uris and uris[0].startswith("ipps://%s.local:%d/" % (APP_HOST, self.quired.tls_port)),
              "ippfind _ipps: %r (%s)" % (r.stdout.split(), r.stderr.strip()))
        r = self.phone.run(["ipptool", "-t", uris[0], "get-printer-attributes.test"], timeout=60,
                           check=False)
        check(r.returncode == 0, "ipptool over %s: %s" % (uris[0], r.stdout[-600:]))
        print("    _ipps._tcp on port %d; ipptool over %s" % (self.quired.tls_port, uris[0]))

    def test_idle(self):
        """While nothing happens, quired's threads (the Avahi one included) stay asleep."""
        def switches():
            total = {}
            task = "/proc/%d/task" % self.quired.proc.pid
            for tid in os.listdir(task):
                try:
                    with open(os.path.join(task, tid, "status")) as f:
                        total[tid] = sum(int(l.split()[1]) for l in f
                                         if l.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
                except OSError:
                    pass
            return total
        time.sleep(1.0)
        before = switches()
        time.sleep(6.0)
        after = switches()
        woke = {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
        # the housekeeping thread wakes every 10 s; nothing else should run at all
        check(sum(woke.values()) <= 3, "threads woke while idle: %r" % woke)
        print("    idle 6 s: %d thread wake-up(s) across %d threads" % (
            sum(woke.values()), len(after)))

    def test_avahi_restart(self):
        names = set(self.expected_names().values())
        self.app.stop_avahi(signal.SIGTERM)
        wait_for("services withdrawn on the phone", lambda: not (
            names & set(by_name(netlab.browse(self.phone, "_ipp._tcp")))), 15)
        t0 = time.monotonic()
        self.app.start_avahi(wait=False)
        wait_for("services back on the phone", lambda: names <= set(
            by_name(netlab.browse(self.phone, "_universal._sub._ipp._tcp"))), 20)
        dt = time.monotonic() - t0
        check(dt <= 5.0, "services took %.1f s to return (limit 5 s)" % dt)
        check(self.quired.proc.poll() is None, "quired died")
        check("avahi-daemon went away" in self.quired.log(), "no log of the daemon leaving")
        print("    avahi-daemon restarted: every queue back on the phone in %.1f s" % dt)

    def test_reload(self):
        self.quired.reload(RELOADED)

        def seen():
            s = by_name(netlab.browse(self.phone, "_ipp._tcp"))
            off = s.get("Office Printer")
            ok = (off and off["txt"].get("Color") == "F" and "Lobby" in s and
                  self.expected_names()["secure"] not in s)
            return s if ok else None
        s, dt = wait_for("reloaded queues on the phone", seen, 20)
        m = gpa(self.phone, "lobby", self.host_header)
        check(s["Lobby"]["txt"].get("UUID") == m.value("printer-uuid")[9:], "lobby UUID")
        print("    SIGHUP: office now Color=F, lobby added, secure withdrawn, in %.1f s" % dt)

    def test_collision(self):
        # start the other device first, then the queue that wants the same name appears
        self.quired.reload(RELOADED.replace("[queue collide]\ndnssd-name = Collide Me\n", ""))
        wait_for("collide queue withdrawn", lambda: not any(
            n.startswith("Collide Me") for n in by_name(netlab.browse(self.phone, "_ipp._tcp"))), 15)
        other = self.phone.popen(["avahi-publish", "-s", "Collide Me", "_ipp._tcp", "631",
                                  "rp=ipp/print"], "publish.log")
        wait_for("the other device's service", lambda: "Collide Me" in by_name(
            netlab.browse(self.app, "_ipp._tcp")), 15)
        self.quired.reload(RELOADED)
        s, dt = wait_for("renamed service on the phone", lambda: (
            lambda b: b if "Collide Me (2)" in b else None)(
                by_name(netlab.browse(self.phone, "_universal._sub._ipp._tcp"))), 20)
        check(s["Collide Me (2)"]["address"] == APP_ADDR, "renamed service address")
        st = self.quired.status()
        entry = [d for d in st["dnssd"] if d["queue"] == "collide"]
        check(entry and entry[0]["name"] == "Collide Me (2)" and entry[0]["state"] == "renamed",
              "quire status dnssd: %r" % st["dnssd"])
        text = self.quired.quire("status")
        check('queue collide as "Collide Me (2)" (renamed)' in text, "quire status: " + text)
        check("renamed to 'Collide Me (2)'" in self.quired.log(), "rename not logged")
        self.lab.stop(other)
        print("    another device owns 'Collide Me': queue advertised as 'Collide Me (2)' "
              "in %.1f s, shown by quire status" % dt)

    def run(self):
        why = netlab.missing_tools()
        if why:
            print("SKIP dnssd end-to-end: %s" % why)
            self.skipped += 9
            return
        with netlab.Lab("qd") as self.lab:
            if not self.step("setup: two namespaces, D-Bus, avahi-daemon, quired", self.setup):
                self.failed += 8
                return
            ok = self.step("browse _ipp, _universal, _print from the phone", self.test_browse)
            if ok:
                self.step("TXT equals Get-Printer-Attributes", self.test_txt_equals_ipp)
            else:
                self.failed += 1
            self.step("idle: no thread wakes up", self.test_idle)
            self.step("ippfind + ipptool print PDF and JPEG, held", self.test_ippfind_and_print)
            if ok:
                self.step("_ipps on the TLS port, ipptool over ipps", self.test_ipps)
            else:
                self.failed += 1
            self.step("avahi-daemon restart: services back within 5 s", self.test_avahi_restart)
            self.step("SIGHUP: changed, added, removed queues", self.test_reload)
            self.step("name collision: renamed, seen by the phone", self.test_collision)
            if self.failed and self.args.verbose:
                print(self.app.log("quired.log")[-2000:])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", default="build")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    s = Suite(args)
    try:
        s.run()
    except subprocess.TimeoutExpired as e:
        s.failed += 1
        print("FAIL timeout: %s" % e)
    print("%d passed, %d failed, %d skipped" % (s.passed, s.failed, s.skipped), flush=True)
    sys.exit(1 if s.failed else 0)


if __name__ == "__main__":
    main()
