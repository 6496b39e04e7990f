#!/usr/bin/env python3
"""The appliance's first-boot set-up pages (core/setup.c, web/setup.c) against a real quired on
loopback, with DATA/setup/code written as quire-setup-code writes it on the appliance: "/" is
the set-up until it is done; wrong codes are refused and rate limited; every field is checked;
finishing creates the admin user (HTTP Basic works with it), records the choices for
quire-setup-apply, deletes the code; afterwards the set-up answers 410 and the code is dead.
test_image.py runs the same flow inside the booted image.

Run: python3 tests/integration/test_image_setup.py --bin build
"""
import os
import stat
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import *  # noqa: E402,F401,F403

CODE = "K7MPQ2XRT9"
CONFIG = """[queue office]
info = Office
auth = basic
"""
GOOD = {"code": "k7mpq-2xrt9", "password": "correct horse", "password2": "correct horse",
        "name": "Filiale Köln", "role": "standalone", "network": "dhcp"}


def setup_daemon(ctx, code=CODE):
    d = ctx.daemon(CONFIG, start=False)
    if code:
        os.makedirs(os.path.join(d.data_dir, "setup"), mode=0o700)
        with open(os.path.join(d.data_dir, "setup", "code"), "w") as f:
            f.write(code + "\n")
    d.start()
    return d


def http(d, method, path, form=None):
    """(status, headers, body) of one request to the daemon."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (d.port, path), data=data,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def setup_file(d, name):
    return os.path.join(d.data_dir, "setup", name)


def with_(form, **kw):
    f = dict(form)
    f.update({k.replace("_", "-"): v for k, v in kw.items()})
    return f


@test
def test_root_is_setup_until_done(ctx):
    d = setup_daemon(ctx)
    status, _, body = http(d, "GET", "/")
    check_eq(status, 200, "GET /")
    check('name="code"' in body and "set-up code" in body, "GET / is not the set-up form")
    status, _, body = http(d, "GET", "/setup")
    check_eq(status, 200, "GET /setup")
    status, _, body = http(d, "POST", "/setup", {"code": GOOD["code"]})
    check_eq(status, 200, "the right code")
    check('name="password"' in body and 'value="k7mpq-2xrt9"' in body,
          "step 2 does not carry the code: %s" % body[:500])
    status, _, body = http(d, "POST", "/setup", GOOD)
    check_eq(status, 200, "finishing")
    check("Set-up done" in body and "Filiale K\u00f6ln" in body, "done page: %s" % body[:500])
    check(not os.path.exists(setup_file(d, "code")), "the code file is still there")
    check(os.path.exists(setup_file(d, "done")), "no done marker")
    with open(setup_file(d, "appliance.conf")) as f:
        conf = f.read()
    for line in ("name=Filiale K\u00f6ln", "role=standalone", "network=dhcp", "address=",
                 "central-url="):
        check(line + "\n" in conf, "appliance.conf lacks %r:\n%s" % (line, conf))
    check(not os.path.exists(setup_file(d, "enrolment-token")), "token file for standalone")
    check_eq(http(d, "GET", "/setup")[0], 410, "GET /setup afterwards")
    check_eq(http(d, "POST", "/setup", GOOD)[0], 410, "the code a second time")
    status, _, body = http(d, "GET", "/")
    check(status in (200, 303) and 'name="code"' not in body,
          "GET / after the set-up is still the set-up page: %s" % body[:300])
    status, _, body = http(d, "GET", "/status")
    check(status == 200 and "Queues" in body, "GET /status: %s" % body[:300])
    # The admin user works (HTTP Basic on an auth=basic queue); a wrong password does not.
    body = encode(ipp_request(OP_GET_JOBS, d.uri("office"), "admin"))
    r = post_raw(d.port, body, d.path("office"), auth=("admin", "correct horse"))
    check_eq(r.status, 200, "HTTP status of Get-Jobs as the new admin")
    r = post_raw(d.port, body, d.path("office"), auth=("admin", "wrong horse"))
    check_eq(r.status, 401, "HTTP status with a wrong admin password")
    # The code is gone for good: the set-up stays done after a restart.
    d.restart()
    check_eq(http(d, "GET", "/setup")[0], 410, "GET /setup after a restart")


@test
def test_wrong_codes_are_refused_and_limited(ctx):
    d = setup_daemon(ctx)
    for i in range(5):
        status, _, body = http(d, "POST", "/setup", with_(GOOD, code="K7MPQ-2XRT8"))
        check_eq(status, 403, "wrong code %d" % (i + 1))
    # A sixth try within the refill time is refused before the code is even compared, also
    # the right code: guessing gets one try per 20 s.
    status, headers, body = http(d, "POST", "/setup", GOOD)
    check_eq(status, 429, "after 5 wrong codes")
    retry = int(headers.get("Retry-After", "0"))
    check(1 <= retry <= 21, "Retry-After %r" % headers.get("Retry-After"))
    check(os.path.exists(setup_file(d, "code")), "the set-up changed after a refused code")
    check(not os.path.exists(setup_file(d, "done")), "set-up done with a wrong code")


@test
def test_every_field_is_checked(ctx):
    d = setup_daemon(ctx)
    cases = [
        (with_(GOOD, password="short", password2="short"), "8 to 256 characters"),
        (with_(GOOD, password2="correct horsf"), "passwords differ"),
        (with_(GOOD, name=""), "1 to 63 bytes"),
        (with_(GOOD, name="x" * 64), "1 to 63 bytes"),
        (with_(GOOD, name="bad\x07name"), "control characters"),
        (with_(GOOD, role="boss"), "standalone or site"),
        (with_(GOOD, role="site", central_url="http://central.example.com/", token="abcdefgh1"),
         "https://"),
        (with_(GOOD, role="site", central_url="https://central.example.com/", token="short"),
         "enrolment token"),
        (with_(GOOD, role="site", central_url="https://central.example.com/",
               token="bad token with spaces"), "enrolment token"),
        (with_(GOOD, network="wifi"), "dhcp or static"),
        (with_(GOOD, network="static", address="192.168.1.20"), "192.168.1.20/24"),
        (with_(GOOD, network="static", address="192.168.1.300/24"), "192.168.1.20/24"),
        (with_(GOOD, network="static", address="192.168.1.20/33"), "192.168.1.20/24"),
        (with_(GOOD, network="static", address="192.168.1.20/24", gateway="gw"), "gateway"),
        (with_(GOOD, network="static", address="192.168.1.20/24", dns="1.1.1.1 2.2.2.2 "
               "3.3.3.3 4.4.4.4"), "DNS servers"),
        (with_(GOOD, network="static", address="192.168.1.20/24", dns="one.one"), "DNS servers"),
    ]
    for form, message in cases:
        status, _, body = http(d, "POST", "/setup", form)
        check_eq(status, 400, "form %r" % {k: v for k, v in form.items() if k != "code"})
        check(message in body, "no %r in the answer to %r" % (message, form))
        check('value="k7mpq-2xrt9"' in body, "the error page lost the code")
    check(not os.path.exists(setup_file(d, "done")), "set-up done by a bad form")
    check(os.path.exists(setup_file(d, "code")), "the code went away on a bad form")
    # A site with a static address: everything recorded, the token in its own 0600 file.
    form = with_(GOOD, role="site", central_url="https://central.example.com/quire",
                 token="enrol-TOKEN_123.abc", network="static", address="10.1.2.3/24",
                 gateway="10.1.2.1", dns="10.1.2.1, 9.9.9.9")
    status, _, body = http(d, "POST", "/setup", form)
    check_eq(status, 200, "a site with a static address")
    check("10.1.2.3" in body, "the done page does not name the new address")
    with open(setup_file(d, "appliance.conf")) as f:
        conf = f.read()
    for line in ("role=site", "central-url=https://central.example.com/quire", "network=static",
                 "address=10.1.2.3/24", "gateway=10.1.2.1", "dns=10.1.2.1 9.9.9.9"):
        check(line + "\n" in conf, "appliance.conf lacks %r:\n%s" % (line, conf))
    check("enrol-TOKEN" not in conf, "the enrolment token is in appliance.conf")
    tok = setup_file(d, "enrolment-token")
    with open(tok) as f:
        check_eq(f.read(), "enrol-TOKEN_123.abc", "enrolment token")
    check_eq(stat.S_IMODE(os.stat(tok).st_mode), 0o600, "enrolment token mode")


@test
def test_concurrent_finish_once(ctx):
    """Two browsers finishing at the same moment: exactly one wins; the others find the code
    gone (403) or the set-up done (409 or 410)."""
    d = setup_daemon(ctx)
    results = []

    def finish(pw):
        results.append(http(d, "POST", "/setup", with_(GOOD, password=pw, password2=pw))[0])

    threads = [threading.Thread(target=finish, args=("password-%d" % i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check_eq(sorted(results).count(200), 1, "successful finishes among %r" % results)
    check(all(s in (200, 403, 409, 410) for s in results), "answers %r" % results)


@test
def test_no_setup_without_code(ctx):
    """A server installed without a set-up code (make run, tests) has no set-up pages."""
    d = setup_daemon(ctx, code=None)
    check_eq(http(d, "GET", "/setup")[0], 404, "GET /setup")
    check_eq(http(d, "POST", "/setup", GOOD)[0], 404, "POST /setup")
    status, _, body = http(d, "GET", "/")
    check(status in (200, 303) and 'name="code"' not in body, "GET / is the set-up page")


if __name__ == "__main__":
    run_tests(__doc__)
