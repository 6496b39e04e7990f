#!/usr/bin/env python3
"""Wide-area DNS-SD: `quire dnssd-zone` writes a zone that BIND loads (named-checkzone), and a
real `named` on loopback answers what a phone on another subnet asks (dig): the browse-domain
PTRs, the _ipp._tcp / _universal / _print PTRs, SRV, TXT (equal to Get-Printer-Attributes as
seen through the unicast host name) and A/AAAA.

Run: python3 tests/integration/test_dnssd_zone.py --bin build
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
from quiretest import *  # noqa: E402,F401,F403
from test_dnssd import expected_txt  # noqa: E402

DOMAIN = "print.example.test"
HOST = "quire-site1"
LONG = "Étage 3 — Salle «Ørsted» imprimante couleur du couloir nord, près de l'ascenseur"

CONFIG = """[queue office]
info = Office Printer
location = 2nd floor

[queue mono]
dnssd-name = %s
color = monochrome
auth = basic
""" % LONG

NAMED_CONF = """options {
  directory "%(dir)s";
  pid-file "%(dir)s/named.pid";
  session-keyfile "%(dir)s/session.key";
  managed-keys-directory "%(dir)s";
  listen-on port %(port)d { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
};
controls { };
zone "%(domain)s" { type primary; file "%(dir)s/zone.db"; };
"""


def need(*tools):
    for t in tools:
        check(shutil.which(t) or os.path.exists(t), "%s not installed (bind9, bind9-utils, "
              "bind9-dnsutils)" % t)


def zone(d, *extra, rc=0):
    r = subprocess.run([d.quire_cli, "--data-dir", d.data_dir, "dnssd-zone"] + list(extra),
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == rc, "quire dnssd-zone %s: exit %d: %s" % (" ".join(extra), r.returncode,
                                                                   r.stderr))
    return r


def gpa_as(d, queue, host):
    """Get-Printer-Attributes with the Host header a phone using the unicast name sends."""
    with HttpConn(d.port, timeout=10) as c:
        c.host = host
        m = ipp_request(OP_GET_PRINTER_ATTRIBUTES, "ipp://%s:%d/ipp/print/%s" % (host, d.port, queue),
                        "phone", op_attrs=[("requested-attributes", TAG_KEYWORD, "all")])
        return decode(c.request("POST", "/ipp/print/" + queue, encode(m), timeout=10).body)


class Named:
    def __init__(self, workdir, zone_text):
        self.dir = os.path.join(workdir, "named")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        with open(os.path.join(self.dir, "zone.db"), "w") as f:
            f.write(zone_text)
        conf = os.path.join(self.dir, "named.conf")
        with open(conf, "w") as f:
            f.write(NAMED_CONF % {"dir": self.dir, "port": self.port, "domain": DOMAIN})
        self.log = open(os.path.join(self.dir, "named.log"), "wb")
        self.proc = subprocess.Popen(["named", "-g", "-4", "-n", "1", "-c", conf],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if self.dig("SOA", DOMAIN):
                return
            check(self.proc.poll() is None, "named exited: " + self.tail())
            time.sleep(0.1)
        raise TestFailure("named did not answer: " + self.tail())

    def tail(self):
        with open(os.path.join(self.dir, "named.log"), errors="replace") as f:
            return f.read()[-1500:]

    def dig(self, rtype, name):
        r = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), "+short", "+norecurse",
                            "+time=2", "+tries=1", rtype, name], capture_output=True, text=True,
                           timeout=15)
        return [l for l in r.stdout.splitlines() if l and not l.startswith(";")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@test
def zone_loads_in_bind(ctx):
    need("named-checkzone")
    d = ctx.daemon(CONFIG)
    out = os.path.join(d.workdir, "zone.db")
    zone(d, "--domain", DOMAIN, "--host", HOST, "--address", "192.0.2.10", "--address",
         "2001:db8::10", "-o", out)
    r = subprocess.run(["named-checkzone", "-k", "fail", "-n", "fail", DOMAIN, out],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "named-checkzone: %s" % r.stdout + r.stderr)
    ctx.log(r.stdout.strip().splitlines()[-1])


@test
def named_answers_what_a_phone_asks(ctx):
    need("named", "dig")
    d = ctx.daemon(CONFIG)
    text = zone(d, "--domain", DOMAIN, "--host", HOST, "--address", "192.0.2.10").stdout
    named = Named(d.workdir, text)
    try:
        check(named.dig("PTR", "b._dns-sd._udp." + DOMAIN) == [DOMAIN + "."], "browse domain")
        check(named.dig("PTR", "lb._dns-sd._udp." + DOMAIN) == [DOMAIN + "."], "legacy browse")
        names = {"office": "Office Printer", "mono": LONG.encode()[:63].decode("utf-8", "ignore").rstrip()}
        for ptr in ("_ipp._tcp.", "_universal._sub._ipp._tcp.", "_print._sub._ipp._tcp."):
            got = sorted(netlab.unescape(x) for x in named.dig("PTR", ptr + DOMAIN))
            want = sorted("%s._ipp._tcp.%s." % (n.replace(".", "\\."), DOMAIN) for n in names.values())
            check(got == want, "PTR %s: %r, expected %r" % (ptr, got, want))
        fqdn = "%s.%s" % (HOST, DOMAIN)
        check(named.dig("A", fqdn) == ["192.0.2.10"], "A record")
        for queue, name in names.items():
            inst = "".join(c if ord(c) < 128 else "".join("\\%03d" % b for b in c.encode())
                           for c in name).replace(" ", "\\032") + "._ipp._tcp." + DOMAIN
            srv = named.dig("SRV", inst)
            check(srv == ["0 0 %d %s." % (d.port, fqdn)], "SRV %s: %r" % (queue, srv))
            txt_lines = named.dig("TXT", inst)
            check(len(txt_lines) == 1, "TXT %s: %r" % (queue, txt_lines))
            txt = netlab.parse_txt(txt_lines[0])
            txt.pop("\0lengths")
            m = gpa_as(d, queue, fqdn)
            exp = expected_txt(m)
            check(txt == exp, "TXT of %s differs from IPP:\n  dns %r\n  ipp %r" % (queue, txt, exp))
        ctx.log("named on 127.0.0.1:%d: PTR, SRV, TXT, A for %d queues as a phone asks" % (
            named.port, len(names)))
    finally:
        named.stop()


@test
def records_only_and_bad_options(ctx):
    d = ctx.daemon(CONFIG)
    r = zone(d, "--domain", DOMAIN, "--host", HOST, "--records-only")
    check("SOA" not in r.stdout and "_universal._sub._ipp._tcp" in r.stdout, "records-only")
    out = os.path.join(d.workdir, "bad.db")
    r = zone(d, "--domain", "not a domain!", "--host", HOST, "--address", "192.0.2.1", "-o", out,
             rc=1)
    check("not a valid domain" in r.stderr, "message: %r" % r.stderr)
    check(not os.path.exists(out), "a partial zone file was left behind")
    r = zone(d, "--domain", DOMAIN, "--host", HOST, "--address", "300.1.1.1", rc=1)
    check("not an IPv4 or IPv6 address" in r.stderr, "message: %r" % r.stderr)
    r = zone(d, "--host", HOST, rc=2)
    check("--domain" in r.stderr, "message: %r" % r.stderr)


if __name__ == "__main__":
    run_tests(__doc__)
