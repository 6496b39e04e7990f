"""mfdlab: real MFDs for tests. ippeveprinter (CUPS's IPP Everywhere printer) instances, each
keeping the documents it receives, inside one private network namespace that has its own D-Bus
and avahi-daemon (ippeveprinter will not start without one).

The namespace has only loopback, with the MULTICAST flag so that avahi-daemon serves it
(../shared/notes/avahi-in-netns.md, "a single namespace is enough"): nothing leaves it. Tests
run quired inside the same namespace (MfdLab.popen), so quired reaches every device at
127.0.0.1. Everything is stopped by PID and the namespace removed on exit.
"""
import glob
import os
import socket
import time

import netlab


class Mfd:
    """One ippeveprinter: its URI, its spool folder (documents it received) and its process."""

    def __init__(self, lab, name, port, formats, color, duplex, command):
        self.lab = lab
        self.name = name
        self.port = port
        self.uri = "ipp://localhost:%d/ipp/print" % port
        self.spool = os.path.join(lab.host.dir, "mfd-" + name)
        os.makedirs(self.spool, exist_ok=True)
        self.formats = formats
        self.color = color
        self.duplex = duplex
        self.command = command
        self.proc = None

    def start(self, timeout=20):
        """Starts (or restarts) the printer and waits until it answers on its port."""
        cmd = ["ippeveprinter", "-p", str(self.port), "-d", self.spool, "-k",
               "-c", self.command, "-f", ",".join(self.formats), "-n", "localhost",
               "-s", "20,20" if self.color else "20,0", "-M", "quire-test", "-m", self.name]
        if self.duplex:
            cmd.append("-2")
        cmd.append(self.name)
        self.proc = self.lab.host.popen(cmd, "mfd-%s.log" % self.name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ippeveprinter %s exited: %s" % (self.name, self.log()))
            if self.lab.port_open(self.port):
                return self
            time.sleep(0.1)
        raise RuntimeError("ippeveprinter %s did not listen: %s" % (self.name, self.log()))

    def stop(self, sig=15):
        """Stops the printer (SIGTERM by default; SIGKILL to vanish mid-transfer)."""
        self.lab.lab.stop(self.proc, sig, 10)
        self.proc = None

    def received(self):
        """Paths of the documents the printer kept, oldest first (ippeveprinter writes
        JOBID-NAME.EXT into its spool folder)."""
        files = [f for f in glob.glob(os.path.join(self.spool, "*")) if os.path.isfile(f)]
        return sorted(files, key=lambda f: (os.path.getmtime(f), f))

    def log(self):
        return self.lab.host.log("mfd-%s.log" % self.name)


class MfdLab:
    """One namespace with avahi and any number of ippeveprinter MFDs. Context manager."""

    def __init__(self, tag="m"):
        self.lab = netlab.Lab(tag)
        self.host = None
        self.mfds = []

    def __enter__(self):
        try:
            self.host = self.lab.host("mfd", "quire-mfd-" + self.lab.tag)
            self.host.run(["ip", "link", "set", "lo", "multicast", "on"])
            self.host.iface, self.host.addr = "lo", "127.0.0.1"
            self.host.start_dbus()
            self.host.start_avahi()
        except BaseException:
            self.lab.close()
            raise
        return self

    def __exit__(self, *exc):
        self.lab.close()

    def mfd(self, name, port, formats=("application/pdf", "image/pwg-raster"), color=True,
            duplex=True, command="/bin/true"):
        """Starts an MFD. `command` is ippeveprinter's print command (run per job; /bin/true
        completes jobs at once)."""
        m = Mfd(self, name, port, list(formats), color, duplex, command).start()
        self.mfds.append(m)
        return m

    def inside(self):
        """Context manager: this (single-threaded) test process works inside the namespace, so
        the quired it starts, its sockets and its subprocesses (ipptool, quire) are there."""
        return netlab.InNetns(self.host.ns)

    def popen(self, cmd, log_name, **kw):
        """Starts a process (quired, say) inside the namespace."""
        return self.host.popen(cmd, log_name, **kw)

    def run(self, cmd, timeout=30, check=False):
        return self.host.run(cmd, timeout=timeout, check=check)

    def port_open(self, port):
        with netlab.InNetns(self.host.ns):
            s = socket.socket()
        try:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0
        finally:
            s.close()

    def connect(self, port, timeout=10):
        """A TCP socket connected to 127.0.0.1:port inside the namespace."""
        with netlab.InNetns(self.host.ns):
            s = socket.socket()
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        return s


def missing_tools():
    """Why MFDs cannot run here (a string), or None."""
    why = netlab.missing_tools()
    if why:
        return why
    for tool in ("ippeveprinter", "ipptool"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "/usr/bin").split(":")):
            return "%s not installed" % tool
    return None
