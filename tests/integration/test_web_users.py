#!/usr/bin/env python3
"""The admin console's users, groups, prices, quotas, balances and accounts API against the
real quired, over loopback, with an admin's web session (cookie + CSRF token): a user created
here logs in on the web and at the release API (password, then a PIN); a PIN reset is shown
once and replaces the old PIN; wrong PINs lock the user out and the console's unlock lets them
in again; CSV import reports good and bad lines; deleting a user or changing their role ends
their web sessions; a price set here changes the estimate a user sees for a device with that
price list (a real PDF, analysed); a bad amount is refused; quotas, balances and accounts
round-trip and a top-up shows in the user's release login. Every one of these APIs refuses an
anonymous request (401), a user's session (403) and a cookie-authenticated change without the
CSRF token (403). No answer carries a password hash, a PIN or a card number, except the reset
that hands out the new PIN.

Run: python3 tests/integration/test_web_users.py --bin build
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import check, check_eq, run_tests, test  # noqa: E402
from webtest import WebClient, add_user, wait_until  # noqa: E402

SECURITY = """[security]
lockout-attempts = 3
lockout-minutes = 0

[accounting]
currency = EUR
"""

# (method, path, body) of every API of this part, for the guard checks.
APIS = [
    ("GET", "/api/users", None), ("POST", "/api/users", {"name": "x1", "password": "p"}),
    ("GET", "/api/users/alice", None), ("PUT", "/api/users/alice", {"full_name": "A"}),
    ("DELETE", "/api/users/alice", None), ("POST", "/api/users/alice/pin", {}),
    ("POST", "/api/users/alice/unlock", {}), ("POST", "/api/users/alice/cards", {"card": "AB"}),
    ("DELETE", "/api/users/alice/cards", None),
    ("POST", "/api/users/import", {"csv": "username\nx2\n"}), ("GET", "/api/groups", None),
    ("GET", "/api/prices", None), ("PUT", "/api/prices/default/any", {"mono": "0.10"}),
    ("DELETE", "/api/prices/default/any", None),
    ("PUT", "/api/devices/nodev/price-list", {"list": "x"}),
    ("GET", "/api/quotas", None),
    ("PUT", "/api/quotas", {"kind": "user", "subject": "alice", "period": "day", "pages": 5}),
    ("DELETE", "/api/quotas?kind=user&subject=alice&period=day&unit=pages", None),
    ("GET", "/api/balances", None), ("POST", "/api/balances/alice", {"add": "1.00"}),
    ("GET", "/api/accounts", None), ("POST", "/api/accounts", {"name": "p1"}),
    ("DELETE", "/api/accounts/p1", None),
]

SECRET_KEYS = ("password", "password_hash", "hash", "pin", "card", "lookup")


def appliance(ctx, **kw):
    d = ctx.daemon(config=SECURITY, **kw)
    add_user(d, "root", "root-pw", admin=True, full_name="Rita Root")
    add_user(d, "alice", "alice-pw", full_name="Alice Example")
    return d


def admin_client(d):
    c = WebClient(d)
    c.login_ok("root", "root-pw")
    return c


def ok(r, what, status=200):
    check(r.status == status, "%s: expected HTTP %d, got %r", what, status, r)
    return r.json


def release_login(d, **cred):
    """(status, JSON) of POST /api/release/login (no cookie, no CSRF: a terminal)."""
    r = WebClient(d).request("POST", "/api/release/login", json_body=cred, csrf=False)
    return r.status, r.json


def no_secrets(obj, what):
    """Fails if any member anywhere in `obj` is named like a secret."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            check(k not in SECRET_KEYS, "%s: member %r must not be in the answer", what, k)
            no_secrets(v, what)
    elif isinstance(obj, list):
        for v in obj:
            no_secrets(v, what)


def user_of(admin, name):
    return ok(admin.get("/api/users/" + name), "GET /api/users/" + name)


@test
def every_api_refuses_anonymous_users_and_missing_csrf(ctx):
    d = appliance(ctx)
    anon, user, admin = WebClient(d), WebClient(d), admin_client(d)
    user.login_ok("alice", "alice-pw")
    for method, path, body in APIS:
        what = "%s %s" % (method, path)
        check_eq(anon.request(method, path, json_body=body).status, 401, "anonymous " + what)
        r = user.request(method, path, json_body=body)
        check_eq(r.status, 403, "user session " + what)
        if method != "GET":
            r = admin.request(method, path, json_body=body, csrf=False)
            check_eq(r.status, 403, "admin session without CSRF token " + what)
    for method, path, body in APIS:
        if method == "GET":
            check_eq(admin.get(path).status, 200, "admin session " + path)
    # Nothing was changed by the refused requests.
    check_eq(user_of(admin, "alice")["full_name"], "Alice Example", "alice untouched")
    check_eq(admin.get("/api/users/x1").status, 404, "x1 was not created")
    check_eq(user.get("/api/session").status, 200, "alice still logged in")


@test
def created_user_logs_in_and_gets_a_new_pin(ctx):
    d = appliance(ctx)
    admin = admin_client(d)
    u = ok(admin.post("/api/users", {"name": "bob", "password": "bob-pw", "full_name": "Bob B",
                                     "email": "bob@example.org", "groups": ["staff", "lab"]}),
           "create bob", 201)
    check((u["name"], u["full_name"], u["email"], u["groups"], u["admin"], u["has_password"],
           u["pins"], u["cards"], u["locked"], u["balance"]) ==
          ("bob", "Bob B", "bob@example.org", ["lab", "staff"], False, True, 0, 0, False, "0.00"),
          "created: %r", u)
    no_secrets(u, "created user")
    check_eq(admin.post("/api/users", {"name": "bob"}).status, 409, "bob twice")
    check_eq(admin.post("/api/users", {"name": "-bad name"}).status, 400, "a bad name")
    check_eq(admin.post("/api/users", {"name": "eve", "groups": "a b!"}).status, 400,
             "a bad group")
    listed = ok(admin.get("/api/users"), "list")
    check_eq([x["name"] for x in listed], ["alice", "bob", "root"], "users listed")
    no_secrets(listed, "user list")
    groups = ok(admin.get("/api/groups"), "groups")
    check_eq(groups, [{"name": "lab", "members": ["bob"]}, {"name": "staff", "members": ["bob"]}],
             "groups")

    web = WebClient(d)
    check_eq(web.login_ok("bob", "bob-pw")["user"], "bob", "bob's web login")
    st, r = release_login(d, username="bob", password="bob-pw")
    check(st == 200 and r["user"]["name"] == "bob", "bob's release login: %d %r", st, r)

    r = ok(admin.post("/api/users/bob/pin", {"pin": "4821"}), "set a PIN")
    check(r == {"user": "bob", "pins": 1}, "the answer to a set PIN has no PIN: %r", r)
    check_eq(release_login(d, pin="4821")[0], 200, "login with the PIN set")
    r = ok(admin.post("/api/users/bob/pin", {}), "reset the PIN")
    new = r.get("pin", "")
    check(len(new) == 6 and new.isdigit() and r["pins"] == 1, "new PIN shown once: %r", r)
    no_secrets(user_of(admin, "bob"), "bob after the reset")
    check_eq(release_login(d, pin="4821")[0], 401, "the old PIN no longer works")
    st, r = release_login(d, username="bob", pin=new)
    check(st == 200 and r["user"]["name"] == "bob", "login with the new PIN: %d %r", st, r)
    check_eq(admin.post("/api/users/bob/pin", {"pin": "12"}).status, 400, "a 2-digit PIN")
    check_eq(admin.post("/api/users/bob/pin", {"digits": 3}).status, 400, "3 digits")
    ok(admin.post("/api/users/alice/pin", {"pin": "9157"}), "alice's PIN")
    check_eq(admin.post("/api/users/bob/pin", {"pin": "9157"}).status, 409, "alice's PIN for bob")
    check_eq(release_login(d, pin=new)[0], 200, "refused PIN changes kept bob's PIN")
    # Changes take POST (or DELETE): a GET, which needs no CSRF token and is never audited,
    # neither resets the PIN nor unlocks anybody.
    for path in ("/api/users/bob/pin", "/api/users/bob/unlock", "/api/users/bob/cards"):
        r = admin.get(path)
        check(r.status in (404, 405), "GET %s is refused: %r", path, r)
        check("pin" not in (r.json or {}), "GET %s shows no PIN: %r", path, r)
    check_eq(release_login(d, pin=new)[0], 200, "bob's PIN survived the GETs")

    ok(admin.post("/api/users/bob/cards", {"card": "04:A2:BC:11"}), "add a card", 201)
    check_eq(admin.post("/api/users/alice/cards", {"card": "04a2bc11"}).status, 409,
             "the same card for someone else")
    check_eq(release_login(d, card="04A2BC11")[1]["user"]["name"], "bob", "card login")
    check_eq(user_of(admin, "bob")["cards"], 1, "cards counted")
    ok(admin.request("DELETE", "/api/users/bob/cards"), "remove the cards")
    check_eq(release_login(d, card="04A2BC11")[0], 401, "removed card")

    u = ok(admin.request("PUT", "/api/users/bob", json_body={
        "full_name": "Robert B", "groups": "staff", "restricted": True, "password": "new-pw"}),
        "edit bob")
    check((u["full_name"], u["groups"], u["restricted"], u["email"]) ==
          ("Robert B", ["staff"], True, "bob@example.org"), "edited: %r", u)
    check_eq(WebClient(d).login("bob", "bob-pw").status, 401, "the old password")
    WebClient(d).login_ok("bob", "new-pw")
    check_eq(admin.request("PUT", "/api/users/nobody", json_body={}).status, 404, "unknown user")
    check_eq(admin.request("DELETE", "/api/users/root").status, 409, "deleting oneself")
    check_eq(admin.request("PUT", "/api/users/root", json_body={"admin": False}).status, 409,
             "taking away one's own admin role")


@test
def wrong_pins_lock_out_and_unlock_lets_in(ctx):
    d = appliance(ctx)
    admin = admin_client(d)
    ok(admin.post("/api/users/alice/pin", {"pin": "7391"}), "set alice's PIN")
    for pin in ("0000", "0001"):
        check_eq(release_login(d, username="alice", pin=pin)[0], 401, "wrong PIN " + pin)
    st, r = release_login(d, username="alice", pin="0002")
    check(st == 403 and r["reason"] == "locked", "third wrong PIN locks: %d %r", st, r)
    st, r = release_login(d, pin="7391")
    check_eq(st, 403, "the right PIN while locked")
    u = user_of(admin, "alice")
    check(u["locked"] and u["locked_until"] == -1 and u["failures"] == 3, "locked: %r", u)
    r = WebClient(d).login("alice", "alice-pw")
    check(r.status in (401, 403), "web login while locked: %r", r)
    u = ok(admin.post("/api/users/alice/unlock"), "unlock")
    check(not u["locked"] and u["failures"] == 0, "unlocked: %r", u)
    st, r = release_login(d, pin="7391")
    check(st == 200 and r["user"]["name"] == "alice", "PIN after the unlock: %d %r", st, r)
    WebClient(d).login_ok("alice", "alice-pw")
    check_eq(admin.post("/api/users/nobody/unlock").status, 404, "unlock an unknown user")


@test
def csv_import_reports_each_line(ctx):
    d = appliance(ctx)
    admin = admin_client(d)
    csv = ("username,full_name,email,groups,password,pin,admin\n"
           "carol,Carol C,carol@example.org,staff;lab,carol-pw,5566,no\n"
           "bad name,Bad,,,,,\n"
           "dave,Dave D,,staff,dave-pw,12,no\n"
           "erin,\"Erin, E\",,,erin-pw,,maybe\n"
           "frank,Frank F,,lab,frank-pw,,yes\n")
    r = admin.request("POST", "/api/users/import", raw=csv.encode(),
                      headers={"Content-Type": "text/csv"})
    j = ok(r, "import as text/csv")
    check((j["ok"], j["imported"], j["failed"]) == (True, 2, 3), "counts: %r", j)
    check_eq([e["line"] for e in j["errors"]], [3, 4, 5], "lines of the refused rows")
    msgs = [e["message"] for e in j["errors"]]
    check("invalid user name" in msgs[0] and "PIN" in msgs[1] and "yes or no" in msgs[2],
          "messages: %r", msgs)
    no_secrets(j, "import report")
    WebClient(d).login_ok("carol", "carol-pw")
    check_eq(release_login(d, pin="5566")[1]["user"]["name"], "carol", "carol's PIN")
    check_eq(user_of(admin, "frank")["admin"], True, "frank is an admin")
    check_eq(admin.get("/api/users/dave").status, 404, "dave was refused")
    # JSON form; an existing user is updated, empty cells keep what they had.
    j = ok(admin.post("/api/users/import", {"csv": "username,full_name\ncarol,Carol New\n"}),
           "import as JSON")
    check((j["imported"], j["failed"], j["errors"]) == (1, 0, []), "second import: %r", j)
    u = user_of(admin, "carol")
    check((u["full_name"], u["email"], u["groups"]) ==
          ("Carol New", "carol@example.org", ["lab", "staff"]), "carol updated: %r", u)
    r = admin.post("/api/users/import", {"csv": "name,email\nx,y\n"})
    check(r.status == 400 and "username" in r.error, "no username column: %r", r)
    check_eq(admin.post("/api/users/import", {"nothing": 1}).status, 400, "no csv member")


@test
def deleting_a_user_or_changing_their_role_ends_their_sessions(ctx):
    d = appliance(ctx)
    admin = admin_client(d)
    add_user(d, "bob", "bob-pw")
    alice, bob, bob2 = WebClient(d), WebClient(d), WebClient(d)
    alice.login_ok("alice", "alice-pw")
    bob.login_ok("bob", "bob-pw")
    bob2.login_ok("bob", "bob-pw")
    ok(admin.request("DELETE", "/api/users/alice"), "delete alice")
    check_eq(alice.get("/api/session").status, 401, "alice's session after her deletion")
    # Recreated with the same name: the old session does not come back.
    ok(admin.post("/api/users", {"name": "alice", "password": "alice-pw"}), "recreate", 201)
    check_eq(alice.get("/api/session").status, 401, "the old session of a recreated user")
    check_eq(admin.request("DELETE", "/api/users/alice").status, 200, "delete again")
    check_eq(admin.request("DELETE", "/api/users/alice").status, 404, "delete a deleted user")
    # Making bob an admin ends both his sessions; he logs in again with the new role.
    u = ok(admin.request("PUT", "/api/users/bob", json_body={"admin": True}), "promote bob")
    check(u["admin"], "bob is an admin: %r", u)
    check_eq(bob.get("/api/session").status, 401, "bob's first session after the change")
    check_eq(bob2.get("/api/session").status, 401, "bob's second session after the change")
    check_eq(bob.login_ok("bob", "bob-pw")["admin"], True, "bob's new session is an admin's")
    check_eq(bob.get("/api/users").status, 200, "bob may now use the users API")
    # An edit that keeps the role keeps the session.
    ok(admin.request("PUT", "/api/users/bob", json_body={"full_name": "Bob", "admin": True}),
       "edit bob")
    check_eq(bob.get("/api/session").status, 200, "an edit without a role change")
    ok(admin.request("PUT", "/api/users/bob", json_body={"admin": False}), "demote bob")
    check_eq(bob.get("/api/session").status, 401, "bob's session after the demotion")
    check_eq(admin.get("/api/session").status, 200, "the admin's own session survives")


def render_docs(ctx):
    """The project's generated test documents (tests/render-docs), in a temporary folder."""
    out = tempfile.mkdtemp(prefix="quire-docs-")
    tool = os.path.join(ctx.bindir, "tests", "render-docs")
    subprocess.run([tool, out], check=True, capture_output=True, timeout=120)
    return out


def estimate(d, token, device):
    c = WebClient(d)
    r = c.request("GET", "/api/release/jobs?device=" + device,
                  headers={"Authorization": "Bearer " + token})
    check(r.status == 200, "release jobs: %r", r)
    return r.json["jobs"]


@test
def prices_change_the_estimate_at_the_device(ctx):
    d = appliance(ctx, analysis=True)
    admin = admin_client(d)
    # A raw socket device, given its capabilities (nothing listens there: only the estimate
    # is looked at). The devices API may still want the admin token, so it is used here.
    st, body = bearer(d, "POST", "/api/devices",
                      {"name": "colour", "uri": "socket://127.0.0.1:9", "color": True,
                       "duplex": True, "formats": ["application/pdf"]})
    check_eq(st, 201, "add a device: %r" % (body,))
    pdf = os.path.join(render_docs(ctx), "colour-set.pdf")    # 8 pages, 4 in colour
    with open(pdf, "rb") as f:
        m = d.print_job(f.read(), user="alice", name="colour-report")
    jid = m.jobs()[0]["job-id"].value
    check(wait_until(lambda: (d.api_job(jid) or {}).get("analysis") == "done", 120),
          "job %d analysed: %r", jid, d.api_job(jid))
    st, r = release_login(d, username="alice", password="alice-pw")
    token = r["token"]

    j = ok(admin.request("PUT", "/api/prices/fancy/any",
                         json_body={"mono": "0.10", "color": "0.50"}), "set fancy prices")
    check_eq(j["currency"], "EUR", "currency")
    ok(admin.request("PUT", "/api/devices/colour/price-list", json_body={"list": "fancy"}),
       "assign the list")
    j = ok(admin.get("/api/prices"), "prices")
    check({"name": "colour", "price_list": "fancy"} in j["devices"], "devices: %r", j["devices"])
    fancy = [x for x in j["lists"] if x["name"] == "fancy"]
    check(fancy and fancy[0]["prices"] == [{"media": "any", "mono": "0.10", "color": "0.50",
                                            "sheet": "0.00", "duplex_discount": 0}],
          "the fancy list: %r", j["lists"])
    job = [x for x in estimate(d, token, "colour") if x["id"] == jid][0]
    check((job["pages"], job["color_pages"], job["cost"]) == (8, 4, "2.40"),
          "estimate (4 x 0.10 + 4 x 0.50): %r", job)
    ok(admin.request("PUT", "/api/prices/fancy/any", json_body={"mono": "0.20"}), "change mono")
    job = [x for x in estimate(d, token, "colour") if x["id"] == jid][0]
    check_eq(job["cost"], "2.80", "estimate after the change (colour kept at 0.50)")
    for bad in ("abc", "-1", "0.12345", ""):
        r = admin.request("PUT", "/api/prices/fancy/any", json_body={"mono": bad})
        check(r.status == 400 and r.error, "amount %r: %r", bad, r)
    r = admin.request("PUT", "/api/prices/fancy/any", json_body={"mono": 0.1})
    check(r.status == 400 and "decimal strings" in r.error, "a JSON number: %r", r)
    r = admin.request("PUT", "/api/prices/fancy/any", json_body={"duplex_discount": 150})
    check_eq(r.status, 400, "a 150 % discount")
    check_eq([x for x in estimate(d, token, "colour") if x["id"] == jid][0]["cost"], "2.80",
             "refused changes changed nothing")
    check_eq(admin.request("PUT", "/api/devices/nodev/price-list",
                           json_body={"list": "fancy"}).status, 404, "unknown device")
    ok(admin.request("DELETE", "/api/prices/fancy/any"), "delete the price")
    check_eq([x for x in estimate(d, token, "colour") if x["id"] == jid][0]["cost"], "0.00",
             "no price row: free")
    check_eq(admin.request("DELETE", "/api/prices/fancy/any").status, 404, "delete twice")
    check_eq(admin.request("PUT", "/api/prices/only-one-segment", json_body={}).status, 404,
             "a price path without media")
    # The devices API still answers under /api/devices/NAME.
    st, body = bearer(d, "GET", "/api/devices/colour")
    check(st == 200 and body["name"] == "colour", "GET /api/devices/colour: %d %r", st, body)


def bearer(d, method, path, body=None):
    c = WebClient(d)
    r = c.request(method, path, json_body=body,
                  headers={"Authorization": "Bearer " + d.admin_token()})
    return r.status, r.json


@test
def quotas_balances_and_accounts(ctx):
    d = appliance(ctx)
    admin = admin_client(d)
    j = ok(admin.request("PUT", "/api/quotas", json_body={
        "kind": "user", "subject": "alice", "period": "week", "pages": 100}), "a page quota")
    check_eq(j["quotas"], [{"kind": "user", "subject": "alice", "period": "week",
                            "unit": "pages", "amount": "100", "used": "0"}], "quotas")
    j = ok(admin.request("PUT", "/api/quotas", json_body={
        "kind": "group", "subject": "staff", "period": "month", "cost": "20.00"}), "cost quota")
    check_eq(len(j["quotas"]), 2, "two quotas")
    check({"kind": "group", "subject": "staff", "period": "month", "unit": "cost",
           "amount": "20.00", "used": "0.00"} in j["quotas"], "cost quota: %r", j)
    for bad in ({"kind": "user", "subject": "alice", "period": "fortnight", "pages": 5},
                {"kind": "team", "subject": "x", "period": "day", "pages": 5},
                {"kind": "user", "subject": "alice", "period": "day", "pages": 0},
                {"kind": "user", "subject": "alice", "period": "day", "cost": "x"},
                {"kind": "user", "subject": "alice", "period": "day"},
                {"kind": "user", "subject": "alice", "period": "day", "pages": 1, "cost": "1"}):
        r = admin.request("PUT", "/api/quotas", json_body=bad)
        check(r.status == 400 and r.error, "quota %r: %r", bad, r)
    j = ok(admin.request("DELETE", "/api/quotas", json_body={
        "kind": "user", "subject": "alice", "period": "week", "unit": "pages"}), "delete quota")
    check_eq([q["subject"] for q in j["quotas"]], ["staff"], "left")
    check_eq(admin.request("DELETE", "/api/quotas?kind=user&subject=alice&period=week"
                                     "&unit=pages").status, 404, "delete it again")

    b = ok(admin.post("/api/balances/alice", {"add": "5.00", "note": "top-up"}), "top up")
    check_eq(b["balance"], "5.00", "balance after +5")
    b = ok(admin.post("/api/balances/alice", {"add": "2.5"}), "top up again")
    check_eq(b["balance"], "7.50", "balance after +2.5")
    b = ok(admin.post("/api/balances/alice", {"set": "3.25", "credit": "1.00"}), "set")
    check((b["balance"], b["credit"]) == ("3.25", "1.00"), "set balance and credit: %r", b)
    for bad in ({"add": "lots"}, {"add": "1", "set": "2"}, {}, {"add": 5}, {"credit": "-1"}):
        r = admin.post("/api/balances/alice", bad)
        check(r.status == 400 and r.error, "balance change %r: %r", bad, r)
    check_eq(admin.post("/api/balances/nobody", {"add": "1"}).status, 404, "unknown user")
    bal = ok(admin.get("/api/balances"), "balances")
    check_eq(bal["currency"], "EUR", "currency")
    check_eq({x["user"]: x["balance"] for x in bal["balances"]},
             {"alice": "3.25", "root": "0.00"}, "balances of every user")
    st, r = release_login(d, username="alice", password="alice-pw")
    check(st == 200 and r["user"]["balance"] == "3.25", "balance at release login: %r", r)
    check_eq(user_of(admin, "alice")["balance"], "3.25", "balance in the users API")

    j = ok(admin.post("/api/accounts", {"name": "proj-x", "description": "Project X"}),
           "add an account", 201)
    check_eq([(a["name"], a["description"]) for a in j], [("proj-x", "Project X")], "accounts")
    check_eq(admin.post("/api/accounts", {"description": "no name"}).status, 400, "no name")
    ok(admin.request("DELETE", "/api/accounts/proj-x"), "delete the account")
    check_eq(ok(admin.get("/api/accounts"), "accounts"), [], "no account left")
    check_eq(admin.request("DELETE", "/api/accounts/proj-x").status, 404, "delete twice")


if __name__ == "__main__":
    run_tests(__doc__)
