"""netlab: network namespaces joined by veth pairs, each with its own D-Bus and avahi-daemon,
for discovery tests that must never multicast on the machine's real interfaces.

Follows ../shared/notes/avahi-in-netns.md: every avahi-daemon runs inside a namespace the test
created, with its own dbus-daemon (exported through DBUS_SYSTEM_BUS_ADDRESS), its own config
(host name, allow-interfaces set to its veth end) and a private tmpfs on /run/avahi-daemon
(under `unshare -m`) so two instances do not collide there. Everything started is stopped by
PID; namespaces and /etc/netns/NAME are removed at the end.
"""
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time

CLONE_NEWNET = 0x40000000

DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
"""

AVAHI_CONF = """[server]
host-name={host}
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces={iface}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-workstation=no
publish-hinfo=no
publish-addresses=yes
"""


def missing_tools():
    """Why the lab cannot run here (a string), or None."""
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    for tool in ("ip", "unshare", "dbus-daemon", "avahi-daemon", "avahi-browse", "avahi-publish"):
        if not shutil.which(tool):
            return "%s not installed" % tool
    return None


def run(cmd, timeout=30, check=True, **kw):
    """Runs a command (bounded), returns CompletedProcess with text output."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                                  (r.stderr or r.stdout).strip()[:500]))
    return r


class Host:
    """One network namespace: its address, its D-Bus and its avahi-daemon."""

    def __init__(self, lab, name, host_name):
        self.lab = lab
        self.ns = name
        self.host_name = host_name       # avahi's host name (announced as NAME.local)
        self.iface = None
        self.addr = None
        self.dir = os.path.join(lab.dir, name)
        os.makedirs(self.dir)
        self.bus_socket = os.path.join(self.dir, "bus")
        self.dbus = None
        self.avahi = None
        self.avahi_starts = 0

    @property
    def bus(self):
        return "unix:path=" + self.bus_socket

    def env(self):
        e = dict(os.environ)
        e["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus
        return e

    def wrap(self, cmd):
        return ["ip", "netns", "exec", self.ns] + list(cmd)

    def run(self, cmd, timeout=30, check=True):
        return run(self.wrap(cmd), timeout=timeout, check=check, env=self.env())

    def popen(self, cmd, log_name, **kw):
        """Starts a long-running process in the namespace; its output goes to a log file."""
        log = open(os.path.join(self.dir, log_name), "ab")
        try:
            p = subprocess.Popen(self.wrap(cmd), stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, env=self.env(), **kw)
        finally:
            log.close()
        self.lab.procs.append(p)
        return p

    def start_dbus(self):
        conf = os.path.join(self.dir, "dbus.conf")
        with open(conf, "w") as f:
            f.write(DBUS_CONF.format(socket=self.bus_socket))
        self.dbus = self.popen(["dbus-daemon", "--config-file=" + conf, "--nofork", "--nopidfile"],
                               "dbus.log")
        for _ in range(100):
            if os.path.exists(self.bus_socket):
                return
            if self.dbus.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("dbus-daemon in %s did not start: %s" % (self.ns, self.log("dbus.log")))

    def start_avahi(self, wait=True):
        conf = os.path.join(self.dir, "avahi.conf")
        with open(conf, "w") as f:
            f.write(AVAHI_CONF.format(host=self.host_name, iface=self.iface))
        self.avahi_starts += 1
        script = ("mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon -f %s "
                  "--no-drop-root --no-chroot --no-rlimits --no-proc-title" % conf)
        self.avahi = self.popen(["unshare", "-m", "sh", "-c", script], "avahi.log")
        if wait:
            self.wait_avahi()
        return self.avahi

    def wait_avahi(self, timeout=15):
        """Waits (bounded) until avahi-daemon answers on D-Bus and has its host name."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.avahi.poll() is not None:
                raise RuntimeError("avahi-daemon in %s exited: %s" % (self.ns, self.log("avahi.log")))
            r = self.run(["avahi-resolve", "-n", self.host_name + ".local"], timeout=10, check=False)
            if r.returncode == 0 and self.addr in r.stdout:
                return
            time.sleep(0.2)
        raise RuntimeError("avahi-daemon in %s not ready: %s" % (self.ns, self.log("avahi.log")))

    def stop_avahi(self, sig=signal.SIGTERM, timeout=10):
        self.lab.stop(self.avahi, sig, timeout)
        self.avahi = None

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return "(no log)"


class Lab:
    """A set of namespaces. Use as a context manager; everything is torn down on exit."""

    def __init__(self, tag="q"):
        self.tag = "%s%d" % (tag, os.getpid() % 100000)
        self.dir = tempfile.mkdtemp(prefix="quire-netlab-")
        self.hosts = []
        self.procs = []
        self.etc_dirs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def host(self, role, host_name):
        """Creates namespace <tag>-<role> with loopback up."""
        name = "%s-%s" % (self.tag, role)
        run(["ip", "netns", "del", name], check=False)   # stale one of ours (same pid reused)
        run(["ip", "netns", "add", name])
        h = Host(self, name, host_name)
        self.hosts.append(h)
        h.run(["ip", "link", "set", "lo", "up"])
        return h

    def link(self, a, addr_a, b, addr_b, prefix=24):
        """Joins two hosts with a veth pair and gives each end an address."""
        ia, ib = "v%s%s" % (self.tag[-5:], "a"), "v%s%s" % (self.tag[-5:], "b")
        ia, ib = ia[:15], ib[:15]
        run(["ip", "link", "add", ia, "netns", a.ns, "type", "veth", "peer", "name", ib,
             "netns", b.ns])
        for h, iface, addr in ((a, ia, addr_a), (b, ib, addr_b)):
            h.iface, h.addr = iface, addr
            h.run(["ip", "addr", "add", "%s/%d" % (addr, prefix), "dev", iface])
            h.run(["ip", "link", "set", iface, "up", "multicast", "on"])
        # wait (bounded) for the links to leave "tentative"/down states
        for _ in range(50):
            if all("UP" in h.run(["ip", "-br", "link", "show", h.iface]).stdout.split()[1]
                   for h in (a, b)):
                break
            time.sleep(0.1)

    def hosts_file(self, host, entries):
        """Writes /etc/netns/NS/hosts (bind-mounted over /etc/hosts by `ip netns exec`)."""
        d = "/etc/netns/" + host.ns
        os.makedirs(d, exist_ok=True)
        self.etc_dirs.append(d)
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n")
            for addr, names in entries:
                f.write("%s %s\n" % (addr, names))

    def stop(self, proc, sig=signal.SIGTERM, timeout=10):
        """Stops one process we started (by PID), escalating to SIGKILL."""
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def close(self):
        for p in reversed(self.procs):
            self.stop(p, timeout=5)
        for h in self.hosts:
            run(["ip", "netns", "del", h.ns], check=False)
        for d in self.etc_dirs:
            shutil.rmtree(d, ignore_errors=True)
        if not os.environ.get("NETLAB_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


class InNetns:
    """Context manager: this (single-threaded) process enters namespace `ns` for network
    calls; sockets created inside stay in that namespace after leaving."""

    def __init__(self, ns):
        self.ns = ns
        self.libc = ctypes.CDLL(None, use_errno=True)

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.ns, os.O_RDONLY)
        try:
            if self.libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.ns)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        try:
            if self.libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(self.home)


def browse(host, service_type, timeout=15):
    """avahi-browse -rpt from `host`: list of resolved services as dicts (name, host, address,
    port, txt: {key: value}), IPv4 only."""
    r = host.run(["avahi-browse", "-rpt", service_type], timeout=timeout, check=False)
    out = []
    for line in r.stdout.splitlines():
        f = split_parsable(line)
        if len(f) < 10 or f[0] != "=" or f[2] != "IPv4":
            continue
        out.append({"name": f[3], "type": f[4], "host": f[6], "address": f[7],
                    "port": int(f[8]), "txt": parse_txt(f[9]), "txt_raw": f[9]})
    return out


def split_parsable(line):
    """Splits one `avahi-browse -p` line on ';' and undoes its \\DDD escapes (decimal bytes)."""
    fields = line.split(";", 9)
    return [unescape(x) for x in fields[:9]] + fields[9:]


def unescape(s):
    b = bytearray()
    i = 0
    raw = s.encode("utf-8", "surrogateescape")
    while i < len(raw):
        if raw[i:i + 1] == b"\\" and raw[i + 1:i + 4].isdigit() and len(raw[i + 1:i + 4]) == 3:
            b.append(int(raw[i + 1:i + 4]))
            i += 4
        elif raw[i:i + 1] == b"\\" and i + 1 < len(raw):
            b.append(raw[i + 1])
            i += 2
        else:
            b.append(raw[i])
            i += 1
    return b.decode("utf-8", "replace")


def parse_txt(field):
    """Parses avahi-browse's TXT field: "k=v" "k=v" ... (quoted, escaped) into a dict; also keeps
    the byte length of each string under key '\\0lengths'."""
    items = []
    i = 0
    while i < len(field):
        if field[i] != '"':
            i += 1
            continue
        j = i + 1
        buf = []
        while j < len(field) and field[j] != '"':
            if field[j] == "\\" and j + 1 < len(field):
                buf.append(field[j:j + 2])
                j += 2
            else:
                buf.append(field[j])
                j += 1
        items.append(unescape("".join(buf)))
        i = j + 1
    txt = {}
    for it in items:
        k, _, v = it.partition("=")
        txt[k] = v
    txt["\0lengths"] = [len(it.encode()) for it in items]
    return txt
