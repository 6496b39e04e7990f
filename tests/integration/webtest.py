"""webtest: helpers for the web console's tests (Python 3 standard library, plus the openssl
command for test certificates).

Contents
  * WebClient: one browser-like client of quired's web API over HTTP or HTTPS (http.client):
    keeps the session cookie it was given, sends the CSRF token on changes (unless told not
    to), shows every Set-Cookie and header of each answer.
  * add_user(): a user made with `quire user-add`.
  * TLS: an SSL context that trusts the appliance's own certificate (DATA/tls/cert.pem), the
    certificate a port serves right now (PEM, SHA-256), test certificates made with openssl
    (a CA, leaves with subjectAltNames and a chosen validity, keys of other certificates).

Every loop is bounded; nothing is signalled here.
"""

import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.parse

from quiretest import check, check_eq  # noqa: F401  (re-exported for the test files)


class WebResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # [(name, value)] as received
        self.body = body

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def error(self):
        j = self.json
        return j.get("error") if isinstance(j, dict) else None

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.body[:200])


def tls_context(daemon=None, verify=True):
    """A client context: verifying against the appliance's own certificate (it is
    self-signed), or not verifying at all."""
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=os.path.join(daemon.data_dir, "tls", "cert.pem"))


class WebClient:
    """A client of one daemon, on its plain port (tls=False) or its TLS port (tls=True)."""

    def __init__(self, daemon, tls=False, source=None, timeout=30):
        self.d = daemon
        self.tls = tls
        self.source = source            # local address to connect from, e.g. "127.0.0.2"
        self.timeout = timeout
        self.cookie = None              # value of quire_session
        self.csrf = None
        self.last = None

    @property
    def port(self):
        return self.d.tls_port if self.tls else self.d.port

    @property
    def origin(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def _conn(self):
        src = (self.source, 0) if self.source else None
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout,
                                               context=tls_context(verify=False),
                                               source_address=src)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                          source_address=src)

    def request(self, method, path, json_body=None, form=None, headers=None, csrf=True,
                cookie=True, origin=None, raw=None):
        """Sends one request. `origin`: None sends none; True this site's; a string that one.
        Keeps a new session cookie when the answer sets one."""
        hdrs = dict(headers or {})
        body = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie and self.cookie:
            hdrs["Cookie"] = "quire_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            hdrs["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        if origin is True:
            hdrs["Origin"] = self.origin
        elif origin:
            hdrs["Origin"] = origin
        c = self._conn()
        try:
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            resp = WebResponse(r.status, r.getheaders(), r.read())
        finally:
            c.close()
        for sc in resp.headers_all("Set-Cookie"):
            name, _, rest = sc.partition("=")
            if name == "quire_session":
                value = rest.split(";", 1)[0]
                self.cookie = value or None
        self.last = resp
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body if body is not None else {}, **kw)

    def login(self, user, password, **kw):
        """POST /api/login (JSON); on success keeps the cookie and the CSRF token."""
        r = self.request("POST", "/api/login", json_body={"user": user, "password": password},
                         csrf=False, **kw)
        if r.status == 200:
            self.csrf = r.json["csrf_token"]
        return r

    def login_ok(self, user, password):
        r = self.login(user, password)
        check(r.status == 200, "login as %s: %r", user, r)
        return r.json

    def logout(self):
        return self.request("POST", "/api/logout", json_body={})


def add_user(d, name, password, admin=False, full_name=None):
    args = ["user-add", name, "--password", password]
    if admin:
        args.append("--admin")
    if full_name:
        args += ["--full-name", full_name]
    r = d.cli(*args)
    check(r.returncode == 0, "quire user-add %s: %s%s", name, r.stdout, r.stderr)


# ---- TLS ------------------------------------------------------------------------------------

def served_cert(port, host="127.0.0.1", server_name=None, timeout=10):
    """The certificate `port` serves now: (PEM, SHA-256 hex of the DER)."""
    ctx = tls_context(verify=False)
    with socket.create_connection((host, port), timeout=timeout) as s:
        with ctx.wrap_socket(s, server_hostname=server_name or host) as t:
            der = t.getpeercert(binary_form=True)
    return ssl.DER_cert_to_PEM_cert(der), hashlib.sha256(der).hexdigest()


def pem_fingerprint(pem):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.split("-----END CERTIFICATE-----")[0] +
                                                   "-----END CERTIFICATE-----\n")).hexdigest()


def openssl(*args, cwd=None):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=60,
                       cwd=cwd, stdin=subprocess.DEVNULL)
    check(r.returncode == 0, "openssl %s: %s", " ".join(args), r.stderr)
    return r.stdout


def make_ca(workdir, name="ca", cn="quire test CA"):
    """A self-signed CA (EC P-256): returns (cert path, key path)."""
    cert, key = os.path.join(workdir, name + ".pem"), os.path.join(workdir, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "60", "-subj", "/CN=" + cn,
            "-addext", "basicConstraints=critical,CA:TRUE")
    return cert, key


def make_leaf(workdir, ca, name, cn, sans, days=90, key_type="rsa:2048"):
    """A server certificate signed by `ca` (cert, key): returns (cert path, key path, chain
    PEM text: leaf then CA)."""
    cert, key = os.path.join(workdir, name + ".pem"), os.path.join(workdir, name + ".key")
    csr, ext = os.path.join(workdir, name + ".csr"), os.path.join(workdir, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n" %
                ",".join(sans))
    openssl("req", "-newkey", key_type, "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=" + cn)
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
            "-days", str(days), "-out", cert, "-extfile", ext)
    with open(cert) as f, open(ca[0]) as g:
        chain = f.read() + g.read()
    return cert, key, chain


def read(path):
    with open(path) as f:
        return f.read()


def wait_until(fn, timeout, step=0.1):
    """Calls fn() until it is truthy (bounded in time); returns its last value."""
    deadline = time.monotonic() + timeout
    v = fn()
    while not v and time.monotonic() < deadline:
        time.sleep(step)
        v = fn()
    return v
