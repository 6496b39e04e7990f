#!/usr/bin/env python3
"""TLS against the real quired, over loopback: the self-signed certificate made on first start
covers localhost, 127.0.0.1, ::1, the host name, HOST.local and every interface address (seen
by Python's ssl, verifying, and by openssl s_client), its key is 0600 and it survives a
restart; ipptool prints over ipps:// to the TLS port (the job is held); the TLS port serves the
same routes; TLS 1.2 and 1.3 both work; an uploaded CA-issued certificate (with its chain) is
served at once, without the port ever closing, and after a restart; bad uploads (another
certificate's key, garbage, an encrypted key) are refused with a clear message and the old
certificate stays, in use and on disk; a certificate that expires within the warning period
raises an alert in /api/status and the log (at start, and once a day); tls-port = 0 means no TLS at all.

Run: python3 tests/integration/test_web_tls.py --bin build
"""
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import check, check_eq, make_pdf, run_tests, test  # noqa: E402
from webtest import (WebClient, add_user, make_ca, make_leaf, openssl, pem_fingerprint,  # noqa: E402
                     read, served_cert, tls_context)


def local_addresses():
    """Every IPv4 and non-link-local IPv6 address of this machine's interfaces (ip -o addr)."""
    out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True,
                         timeout=10).stdout
    addrs = set()
    for m in re.finditer(r"\binet6?\s+([0-9a-fA-F:.]+)/\d+", out):
        a = m.group(1)
        if not a.lower().startswith("fe80"):
            addrs.add(a)
    return addrs


def san_set(pem):
    """subjectAltNames of a PEM certificate as {"DNS:x", "IP:y"} (openssl x509)."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(pem)
    try:
        text = openssl("x509", "-noout", "-ext", "subjectAltName", "-in", f.name)
    finally:
        os.unlink(f.name)
    names = set()
    for item in text.split("\n", 1)[1].split(","):
        kind, _, value = item.strip().partition(":")
        if kind == "IP Address":
            value = socket.inet_ntop(socket.AF_INET6 if ":" in value else socket.AF_INET,
                                     socket.inet_pton(socket.AF_INET6 if ":" in value
                                                      else socket.AF_INET, value))
            names.add("IP:" + value)
        elif kind == "DNS":
            names.add("DNS:" + value)
    return names


def handshake(d, server_name, ctx=None):
    """A verifying TLS handshake with the TLS port; returns the negotiated version."""
    ctx = ctx or tls_context(d)
    with socket.create_connection(("127.0.0.1", d.tls_port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=server_name) as t:
            return t.version()


def admin(d):
    add_user(d, "root", "root-pw", admin=True)
    c = WebClient(d, tls=True)
    c.login_ok("root", "root-pw")
    return c


@test
def self_signed_certificate_covers_the_appliance(ctx):
    d = ctx.daemon()
    tls_dir = os.path.join(d.data_dir, "tls")
    check_eq(os.stat(tls_dir).st_mode & 0o777, 0o700, "DATA/tls mode")
    check_eq(os.stat(os.path.join(tls_dir, "key.pem")).st_mode & 0o777, 0o600, "key.pem mode")
    pem, fp = served_cert(d.tls_port)
    check_eq(pem_fingerprint(read(os.path.join(tls_dir, "cert.pem"))), fp,
             "the served certificate is DATA/tls/cert.pem")
    host = socket.gethostname().split(".")[0]
    want = {"DNS:localhost", "DNS:" + host, "DNS:%s.local" % host, "IP:127.0.0.1", "IP:::1"}
    want |= {"IP:" + a for a in local_addresses()}
    have = san_set(pem)
    check(want <= have, "subjectAltNames lack %s (have %s)", want - have, have)
    # Python's ssl verifies each name against the appliance's own certificate.
    for name in ("localhost", "127.0.0.1", host, host + ".local"):
        handshake(d, name)
    try:
        handshake(d, "someone-else.example")
        raise AssertionError("a name not in the certificate was accepted")
    except ssl.SSLCertVerificationError:
        pass
    # openssl s_client sees the same certificate and names.
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % d.tls_port,
                        "-servername", "localhost", "-verify_return_error", "-CAfile",
                        os.path.join(tls_dir, "cert.pem"), "-verify_hostname", "localhost"],
                       input="", capture_output=True, text=True, timeout=30)
    check("Verify return code: 0 (ok)" in r.stdout, "s_client verification: %s", r.stdout[-600:])
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", r.stdout, re.S)
    check(m and san_set(m.group(0)) == have, "s_client sees other names")
    times = []
    for _ in range(20):
        t0 = time.monotonic()
        handshake(d, "localhost")
        times.append(time.monotonic() - t0)
    ctx.log("%d subjectAltNames; TLS handshake + verify median %.1f ms over 20" % (
        len(have), statistics.median(times) * 1e3))


@test
def certificate_survives_restart_and_follows_server_name(ctx):
    d = ctx.daemon()
    _, fp = served_cert(d.tls_port)
    d.restart()
    check_eq(served_cert(d.tls_port)[1], fp, "the same certificate after a restart")
    d.stop()
    d.write_config("[server]\nserver-name = print.quire.test\n")
    d.start()
    pem, fp2 = served_cert(d.tls_port)
    check(fp2 != fp, "a new self-signed certificate once server-name changed")
    check("DNS:print.quire.test" in san_set(pem), "the new one covers the server name")
    handshake(d, "print.quire.test")
    check("renewing the self-signed certificate" in d.log_text(), "the renewal is logged")


@test
def ipptool_prints_over_ipps(ctx):
    d = ctx.daemon()
    uri = "ipps://127.0.0.1:%d/ipp/print" % d.tls_port
    r = subprocess.run(["ipptool", "-tI", uri, "get-printer-attributes.test"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "[PASS]" in r.stdout, "ipptool get-printer-attributes over "
          "ipps: %s%s", r.stdout[-800:], r.stderr[-300:])
    # Both listeners announce both URIs, each with its own port and security.
    want = re.compile(r"printer-uri-supported \(1setOf uri\) = ipp://[^:/]+:%d/ipp/print/default,"
                      r"ipps://[^:/]+:%d/ipp/print/default" % (d.port, d.tls_port))
    for u in (uri, "ipp://127.0.0.1:%d/ipp/print" % d.port):
        r = subprocess.run(["ipptool", "-tv", u, "get-printer-attributes.test"],
                           capture_output=True, text=True, timeout=60)
        check(want.search(r.stdout) and "uri-security-supported (1setOf keyword) = none,tls" in
              r.stdout, "printer URIs over %s: %s", u,
              [ln for ln in r.stdout.splitlines() if "uri-s" in ln])
    pdf = os.path.join(d.workdir, "job.pdf")
    with open(pdf, "wb") as f:
        f.write(make_pdf(4096, seed=3))
    r = subprocess.run(["ipptool", "-tI", "-f", pdf, uri, "print-job.test"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "ipptool print-job over ipps: %s%s", r.stdout[-800:], r.stderr)
    jobs = d.api_jobs()
    check(len(jobs) == 1 and jobs[0]["state_name"] == "pending-held",
          "the ipps job is held: %r", jobs)
    # Plain IPP on the plain port is unchanged.
    r = subprocess.run(["ipptool", "-tI", "ipp://127.0.0.1:%d/ipp/print" % d.port,
                        "get-printer-attributes.test"], capture_output=True, text=True,
                       timeout=60)
    check_eq(r.returncode, 0, "ipptool over plain ipp")


@test
def tls_port_serves_the_same_routes(ctx):
    d = ctx.daemon()
    c = admin(d)
    for path in ("/api/status", "/api/queues", "/api/tls/certificate", "/api/session"):
        check_eq(c.get(path).status, 200, "GET %s over TLS" % path)
    r = c.get("/api/status", cookie=False,
              headers={"Authorization": "Bearer " + d.admin_token()})
    check_eq(r.status, 200, "admin token over TLS")
    check_eq(WebClient(d, tls=True).get("/login").status, 200, "the login page over TLS")
    check_eq(c.get("/icon.png").header("Content-Type"), "image/png", "the icon over TLS")
    info = c.get("/api/tls/certificate").json
    check(info["self_signed"] and info["key_type"] == "EC P-256" and info["tls_port"] ==
          d.tls_port and info["warning"] is None, "certificate info: %r", info)
    check(info["days_left"] > 800, "a new self-signed certificate lasts 825 days: %r", info)
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        tctx = tls_context(d)
        tctx.minimum_version = tctx.maximum_version = version
        got = handshake(d, "localhost", tctx)
        check_eq(got, {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version],
                 "negotiated version")


def admin_and_leaf(d, sans=("DNS:print.example.test", "IP:127.0.0.1")):
    """An admin's TLS session, a test CA and a leaf certificate for print.example.test:
    (client, ca, leaf path, key path, chain PEM)."""
    c = admin(d)
    ca = make_ca(d.workdir)
    leaf, key, chain = make_leaf(d.workdir, ca, "leaf", "print.example.test", list(sans))
    return c, ca, leaf, key, chain


def upload(c, cert_pem, key_pem):
    return c.request("PUT", "/api/tls/certificate",
                     json_body={"certificate": cert_pem, "key": key_pem})


@test
def uploaded_certificate_is_served_at_once(ctx):
    d = ctx.daemon()
    c, ca, leaf, key, chain = admin_and_leaf(d)
    stop = threading.Event()
    seen, errors = set(), []

    def prober():       # handshakes all along: the port never refuses a connection
        for _ in range(2000):
            if stop.is_set():
                return
            try:
                seen.add(served_cert(d.tls_port)[1])
            except OSError as e:
                errors.append(repr(e))
            time.sleep(0.01)
    t = threading.Thread(target=prober)
    t.start()
    try:
        time.sleep(0.2)
        t0 = time.monotonic()
        r = upload(c, chain, read(key))      # over TLS: the daemon that answers is replaced
        swap = time.monotonic() - t0
        check_eq(r.status, 200, "upload: %r" % r)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join(30)
    check(not errors, "connections failed during the swap: %s", errors[:3])
    info = r.json
    check(not info["self_signed"] and "print.example.test" in info["subject"] and
          info["chain_length"] == 2 and info["key_type"] == "RSA 2048", "answer: %r", info)
    fp = pem_fingerprint(read(leaf))
    check_eq(served_cert(d.tls_port)[1], fp, "the uploaded certificate is served")
    check(fp in seen and len(seen) == 2, "the prober saw the old and then the new certificate")
    vctx = ssl.create_default_context(cafile=ca[0])
    handshake(d, "print.example.test", vctx)       # verifies against the CA: the chain works
    check_eq(read(os.path.join(d.data_dir, "tls", "cert.pem")), chain, "cert.pem on disk")
    check_eq(read(os.path.join(d.data_dir, "tls", "key.pem")), read(key), "key.pem on disk")
    check_eq(os.stat(os.path.join(d.data_dir, "tls", "key.pem")).st_mode & 0o777, 0o600,
             "key.pem mode after the upload")
    check_eq(c.get("/api/session").status, 200, "the admin's session survives the swap")
    ctx.log("certificate upload answered in %.0f ms over TLS" % (swap * 1e3))
    d.restart()
    check_eq(served_cert(d.tls_port)[1], fp, "the uploaded certificate after a restart")


@test
def bad_uploads_are_refused_and_change_nothing(ctx):
    d = ctx.daemon()
    c, ca, leaf, key, chain = admin_and_leaf(d)
    _, other_key, _ = make_leaf(d.workdir, ca, "other", "other.example.test",
                                ["DNS:other.example.test"])
    enc = os.path.join(d.workdir, "enc.key")
    openssl("pkey", "-in", key, "-aes128", "-passout", "pass:secret", "-out", enc)
    before = served_cert(d.tls_port)[1]
    files = [read(os.path.join(d.data_dir, "tls", n)) for n in ("cert.pem", "key.pem")]
    cases = [
        ("another certificate's key", chain, read(other_key), "does not belong"),
        ("a garbage certificate", "hello, I am a certificate", read(key), "not a PEM certificate"),
        ("a garbage key", chain, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
         "not a PEM private key"),
        ("an encrypted key", chain, read(enc), "encrypted"),
        ("the key as the certificate", read(key), read(key), "not a PEM certificate"),
    ]
    for what, cert_pem, key_pem, expect in cases:
        r = upload(c, cert_pem, key_pem)
        check_eq(r.status, 400, "upload of " + what)
        check(expect in (r.error or "") and "the current certificate stays" in r.error,
              "message for %s: %r", what, r.error)
        check_eq(served_cert(d.tls_port)[1], before, "served certificate after " + what)
    r = c.request("PUT", "/api/tls/certificate", json_body={"certificate": chain})
    check_eq(r.status, 400, "upload without a key")
    r = c.request("PUT", "/api/tls/certificate", raw=b"{not json",
                  headers={"Content-Type": "application/json"})
    check_eq(r.status, 400, "upload of broken JSON")
    check_eq([read(os.path.join(d.data_dir, "tls", n)) for n in ("cert.pem", "key.pem")],
             files, "the files on disk are unchanged")
    check("certificate upload by 'root' refused" in d.log_text(), "refusals are logged")


@test
def expiry_warning_in_status_and_log(ctx):
    d = ctx.daemon()
    c = admin(d)
    st, body = d.api("/api/status")
    check_eq((st, body["alerts"]), (200, []), "no alert with a fresh self-signed certificate")
    ca = make_ca(d.workdir)
    _, key, chain = make_leaf(d.workdir, ca, "short", "short.example.test",
                              ["DNS:short.example.test"], days=10)
    check_eq(upload(c, chain, read(key)).status, 200, "upload of a 10-day certificate")
    st, body = d.api("/api/status")
    alerts = [a for a in body["alerts"] if a["source"] == "tls"]
    check(len(alerts) == 1 and alerts[0]["level"] == "warning" and
          "short.example.test" in alerts[0]["message"] and "expires on" in alerts[0]["message"],
          "the TLS alert: %r", body["alerts"])
    check(c.get("/api/tls/certificate").json["warning"], "the certificate page warns too")
    check("tls: the TLS certificate CN=short.example.test expires on" in d.log_text(),
          "the warning is logged")
    # warned once a day, not at every status request
    d.api("/api/status")
    check_eq(d.log_text().count("expires on"), 1, "log lines of the warning")
    d.restart()
    check("expires on" in d.log_text(), "the warning is logged at start too")
    d.stop()
    d.write_config("[server]\ntls-expiry-warning = 5\n")
    d.start()
    st, body = d.api("/api/status")
    check_eq(body["alerts"], [], "no alert with tls-expiry-warning = 5")


@test
def a_new_self_signed_certificate_on_request(ctx):
    d = ctx.daemon()
    c, _, _, key, chain = admin_and_leaf(d)
    check_eq(upload(c, chain, read(key)).status, 200, "upload")
    r = c.post("/api/tls/self-signed")
    check(r.status == 200 and r.json["self_signed"], "back to self-signed: %r", r)
    handshake(d, "localhost")


@test
def tls_port_zero_means_no_tls(ctx):
    d = ctx.daemon(tls_port=0)
    check(not os.path.exists(os.path.join(d.data_dir, "tls")), "no DATA/tls without TLS")
    c = WebClient(d)
    add_user(d, "root", "root-pw", admin=True)
    c.login_ok("root", "root-pw")
    r = c.get("/api/tls/certificate")
    check_eq((r.status, r.error), (404, "TLS is off (tls-port = 0)"), "certificate API")
    check_eq(c.get("/api/session").json["tls_port"], 0, "the session says there is no TLS port")
    check("https and ipps" not in d.log_text(), "no TLS listener")
    st, body = d.api("/api/status")
    check_eq(body["alerts"], [], "no alert")


@test
def tls_port_conflicts_are_refused(ctx):
    d = ctx.daemon(start=False)
    d.tls_port = d.port
    try:
        d.start(timeout=10)
        raise AssertionError("quired started with tls-port = port")
    except Exception as e:  # noqa: BLE001 - DaemonError with the log
        d.expected_exit = True
        check("is also the plain port" in str(e), "the reason is given: %s", e)


if __name__ == "__main__":
    run_tests(__doc__)
