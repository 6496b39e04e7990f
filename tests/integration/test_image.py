#!/usr/bin/env python3
"""The appliance image (issue 7): `make image` builds it (cached base + project layer); it
boots under qemu with software emulation only (-accel tcg, never KVM), UEFI firmware (OVMF),
user-mode networking that forwards one loopback port to the guest's port 631 and reaches
nothing else (restrict=on). From the host the tests check: the outputs and their size, that
nothing identifying is baked in, that systemd started quired, Get-Printer-Attributes (ipptool),
a PDF printed with ipptool is held and analysed, the set-up page with the code the console
shows, the set-up applied (queue renamed, advertising on), the root file system grown to the
virtual disk, and a clean ACPI shutdown. Prints the time from power-on to a printing queue.

Run: python3 tests/integration/test_image.py --bin build   (or `make image-test`)
"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quiretest import check, check_eq, free_port, run_tests, test  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOOT_TIMEOUT = 300          # seconds from power-on until the queue must answer
SHUTDOWN_TIMEOUT = 120
DISK_GIB = 4                # the virtual disk is larger than the image: the root must grow
MAX_COMPRESSED = 250 * 1024 * 1024
NAME = "Test Branch Printer"


class Vm:
    """The one appliance VM the tests share (booted by test_boot, stopped by test_shutdown)."""
    out = None               # build/image
    work = None
    proc = None
    port = None
    t_start = None
    t_ready = None
    console = None
    old_code = None

    @classmethod
    def console_text(cls):
        try:
            with open(cls.console, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    @classmethod
    def running(cls):
        return cls.proc is not None and cls.proc.poll() is None

    @classmethod
    def need(cls):
        check(cls.running(), "the VM is not running (see the earlier failure)")

    @classmethod
    def url(cls, path="/"):
        return "http://127.0.0.1:%d%s" % (cls.port, path)

    @classmethod
    def ipp_uri(cls):
        return "ipp://127.0.0.1:%d/ipp/print" % cls.port

    @classmethod
    def kill(cls):
        if cls.running():
            cls.proc.kill()
            cls.proc.wait(10)


def http(method, url, form=None, timeout=20):
    """(status, body text) of one HTTP request; a form dict is sent urlencoded."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def ipptool(uri, testfile_text, *extra, timeout=60):
    """Runs ipptool -t on a test file given as text; (returncode, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".test", dir=Vm.work, delete=False) as f:
        f.write(testfile_text)
        path = f.name
    r = subprocess.run(["ipptool", "-T", "30", "-tv"] + list(extra) + [uri, path],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


# The operation attributes every request of the ipptool files below starts with.
OPERATION_ATTRS = """GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
"""

GET_PRINTER = """{
  NAME "Get-Printer-Attributes"
  OPERATION Get-Printer-Attributes
  %(op)s  ATTR name requesting-user-name image-test
  ATTR keyword requested-attributes all
  STATUS successful-ok
  EXPECT printer-is-accepting-jobs OF-TYPE boolean WITH-VALUE true
  EXPECT printer-state OF-TYPE enum WITH-VALUE 3
  EXPECT printer-info OF-TYPE text
  EXPECT printer-uuid OF-TYPE uri
  EXPECT document-format-supported WITH-VALUE application/pdf
  DISPLAY printer-info
  DISPLAY printer-uuid
}
""" % {"op": OPERATION_ATTRS}

PRINT_HELD = """{
  NAME "Print-Job of a PDF is held"
  OPERATION Print-Job
  %(op)s  ATTR name requesting-user-name image-test
  ATTR name job-name image-test-job
  ATTR mimeMediaType document-format application/pdf
  FILE $filename
  STATUS successful-ok
  EXPECT job-id OF-TYPE integer WITH-VALUE >0
  EXPECT job-state OF-TYPE enum WITH-VALUE 4
  EXPECT job-state-reasons WITH-VALUE job-hold-until-specified
}
{
  NAME "The job stays held and is analysed (job-pages from quire-render in the guest)"
  OPERATION Get-Job-Attributes
  %(op)s  ATTR integer job-id $job-id
  ATTR name requesting-user-name image-test
  STATUS successful-ok
  EXPECT job-state OF-TYPE enum WITH-VALUE 4
  EXPECT job-pages OF-TYPE integer WITH-VALUE >0 REPEAT-NO-MATCH
  REPEAT-LIMIT 60
  DISPLAY job-pages
}
""" % {"op": OPERATION_ATTRS}


GET_JOBS_NONE = """{
  NAME "No job left"
  OPERATION Get-Jobs
  %(op)s  ATTR name requesting-user-name image-test
  ATTR keyword which-jobs all
  STATUS successful-ok
  EXPECT !job-id
}
""" % {"op": OPERATION_ATTRS}


@test
def test_build(ctx):
    """make image: the outputs exist, match SHA256SUMS, and the compressed image is small."""
    out = os.path.join(os.path.abspath(ctx.bindir), "image")
    t0 = time.monotonic()
    r = subprocess.run(["make", "-C", TOP, "--no-print-directory", "B=%s" % ctx.bindir, "image"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=1800)
    for line in r.stdout.splitlines():
        if line.startswith("[image") or line.startswith("image:") or "MiB" in line:
            ctx.log(line)
    check(r.returncode == 0, "make image failed:\n%s", r.stdout[-3000:])
    ctx.log("make image: %.0f s" % (time.monotonic() - t0))
    sums = {}
    with open(os.path.join(out, "SHA256SUMS")) as f:
        for line in f:
            digest, name = line.split()
            sums[name] = digest
    for name in ("quire.img", "quire.img.zst", "quire.qcow2", "quire.manifest"):
        h = hashlib.sha256()
        with open(os.path.join(out, name), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        check_eq(h.hexdigest(), sums.get(name), "SHA256 of %s" % name)
    size = os.path.getsize(os.path.join(out, "quire.img.zst"))
    ctx.log("quire.img.zst: %.0f MiB (limit 250)" % (size / 1048576))
    check(size < MAX_COMPRESSED, "compressed image is %d bytes, over 250 MB", size)
    with open(os.path.join(out, "quire.manifest")) as f:
        manifest = f.read()
    for pkg in ("quire", "linux-image-amd64", "systemd", "avahi-daemon", "systemd-boot-efi"):
        check(re.search(r"(?m)^%s\t" % re.escape(pkg), manifest), "%s not in the manifest" % pkg)
    Vm.out = out


def partition_offset(img, number):
    """Byte offset of partition `number` (sfdisk --json)."""
    r = subprocess.run(["sfdisk", "--json", img], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "sfdisk --json: %s", r.stderr)
    table = json.loads(r.stdout)["partitiontable"]
    check_eq(table["label"], "gpt", "partition table")
    return table["partitions"][number - 1]["start"] * table.get("sectorsize", 512)


@test
def test_nothing_baked_in(ctx):
    """The image holds no machine-id, no quire state, no keys, no set-up code."""
    check(Vm.out, "no image was built")
    img = os.path.join(Vm.out, "quire.img")
    off = partition_offset(img, 2)
    dev = "%s?offset=%d" % (img, off)

    def debugfs(cmd):
        r = subprocess.run(["debugfs", "-R", cmd, dev], capture_output=True, text=True,
                           timeout=60)
        return r.stdout

    check_eq(debugfs("cat /etc/machine-id").strip(), "uninitialized", "/etc/machine-id")
    listing = debugfs("ls -l /var/lib/quire")
    names = [l.split()[-1] for l in listing.splitlines() if l.strip()]
    check(set(names) <= {".", ".."}, "/var/lib/quire is not empty in the image: %s" % names)
    etc = [l.split()[-1] for l in debugfs("ls -l /etc/quire").splitlines() if l.strip()]
    check_eq(sorted(set(etc) - {".", ".."}), ["quire.conf"], "files in /etc/quire")
    ssl = debugfs("ls -l /etc/ssl/private")
    check(".key" not in ssl and ".pem" not in ssl, "a private key is baked in: %s" % ssl)
    conf = debugfs("cat /etc/quire/quire.conf")
    check(re.search(r"(?m)^port = 631$", conf), "quire.conf does not listen on 631")
    check(re.search(r"(?m)^dnssd = off$", conf), "advertising is not off before the set-up")


def vm_start(ctx, boot=1):
    """Starts qemu on the test disk; the serial console is logged to console-BOOT.log and
    can be typed on through a socket (Vm.type)."""
    Vm.console = os.path.join(Vm.work, "console-%d.log" % boot)
    Vm.serial = os.path.join(Vm.work, "serial-%d.sock" % boot)
    Vm.qmp = os.path.join(Vm.work, "qmp-%d.sock" % boot)
    Vm.port = free_port()
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35",
           "-smp", "2", "-m", "1024", "-nodefaults", "-display", "none", "-vga", "none",
           "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
           "-drive", "if=pflash,format=raw,file=" + Vm.vars_fd,
           "-drive", "if=virtio,format=qcow2,file=" + Vm.disk,
           "-nic", "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:%d-:631" % Vm.port,
           "-chardev", "socket,id=console,path=%s,server=on,wait=off,logfile=%s" % (
               Vm.serial, Vm.console),
           "-serial", "chardev:console",
           "-qmp", "unix:%s,server=on,wait=off" % Vm.qmp, "-no-reboot"]
    ctx.log("qemu:", " ".join(cmd))
    Vm.log = open(os.path.join(Vm.work, "qemu-%d.log" % boot), "wb")
    Vm.t_start = time.monotonic()
    Vm.t_ready = None
    Vm.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=Vm.log,
                               stderr=subprocess.STDOUT)


def vm_type(data):
    """Types `data` (bytes) on the serial console."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(Vm.serial)
    s.sendall(data)
    s.close()


def vm_wait_queue(ctx):
    """Waits (BOOT_TIMEOUT) until Get-Printer-Attributes answers; returns the seconds since
    power-on."""
    last = ""
    while time.monotonic() - Vm.t_start < BOOT_TIMEOUT:
        check(Vm.running(), "qemu exited (%s); console:\n%s", Vm.proc.poll(),
              Vm.console_text()[-3000:])
        rc, out = ipptool(Vm.ipp_uri(), GET_PRINTER, timeout=40)
        if rc == 0:
            Vm.t_ready = time.monotonic()
            break
        last = out
        time.sleep(2)
    check(Vm.t_ready, "no printing queue %d s after power-on; last ipptool:\n%s\nconsole:\n%s",
          BOOT_TIMEOUT, last[-1500:], Vm.console_text()[-3000:])
    return Vm.t_ready - Vm.t_start


def vm_power_off(ctx):
    """ACPI power button through QMP; checks the guest stops cleanly and qemu exits 0."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(Vm.qmp)
    f = s.makefile("rw")
    f.readline()
    for cmd in ("qmp_capabilities", "system_powerdown"):
        f.write(json.dumps({"execute": cmd}) + "\n")
        f.flush()
        f.readline()
    s.close()
    try:
        rc = Vm.proc.wait(SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        Vm.kill()
        check(False, "the guest did not power off within %d s:\n%s", SHUTDOWN_TIMEOUT,
              Vm.console_text()[-2000:])
    finally:
        Vm.log.close()
    text = Vm.console_text()
    check_eq(rc, 0, "qemu exit status")
    check("reboot: Power down" in text, "no clean power-down on the console:\n%s", text[-2000:])
    check(re.search(r"Stopped .*quired\.service", text), "quired was not stopped cleanly")
    ctx.log("shutdown: %.1f s" % (time.monotonic() - t0))


@test
def test_boot(ctx):
    """Boots the image (TCG, OVMF); Get-Printer-Attributes answers on the forwarded port."""
    check(Vm.out, "no image was built")
    for tool in ("qemu-system-x86_64", "qemu-img", "ipptool"):
        check(shutil.which(tool), "%s is not installed" % tool)
    check(os.path.exists(OVMF_CODE), "OVMF is not installed")
    Vm.work = tempfile.mkdtemp(prefix="quire-image-test-")
    Vm.disk = os.path.join(Vm.work, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    os.path.join(Vm.out, "quire.qcow2"), Vm.disk, "%dG" % DISK_GIB], check=True)
    Vm.vars_fd = os.path.join(Vm.work, "OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, Vm.vars_fd)
    vm_start(ctx)
    secs = vm_wait_queue(ctx)
    ctx.log("power-on to printing queue: %.1f s" % secs)
    print("power-on to printing queue: %.1f s" % secs, flush=True)


@test
def test_quired_active(ctx):
    """systemd started quired.service (its status line on the console) and nothing failed."""
    Vm.need()
    text = Vm.console_text()
    check(re.search(r"Started .*quired\.service", text), "no 'Started quired.service' on the "
          "console:\n%s", text[-3000:])
    failed = [l for l in text.splitlines() if "FAILED" in l or "Failed to start" in l]
    check(not failed, "units failed:\n%s", "\n".join(failed))
    m = re.search(r"quire: root file system grown from (\d+) MiB to (\d+) MiB", text)
    check(m, "the root file system was not grown; console lines about it:\n%s",
          "\n".join(l for l in text.splitlines()
                    if re.search(r"grow|repart|root file system", l, re.I)) or text[-3000:])
    check(int(m.group(2)) > DISK_GIB * 1024 * 0.8, "root only %s MiB on a %d GiB disk",
          m.group(2), DISK_GIB)
    ctx.log(m.group(0))


@test
def test_print_held(ctx):
    """A PDF printed with ipptool is held (pending-held) and analysed by quire-render."""
    Vm.need()
    docs = os.path.join(Vm.work, "docs")
    r = subprocess.run([os.path.join(ctx.bindir, "tests", "mkdocs"), docs], capture_output=True,
                       text=True, timeout=120)
    check(r.returncode == 0, "mkdocs: %s", r.stderr)
    pdfs = sorted(f for f in os.listdir(docs) if f.endswith(".pdf"))
    check(pdfs, "mkdocs made no PDF")
    rc, out = ipptool(Vm.ipp_uri(), PRINT_HELD, "-f", os.path.join(docs, pdfs[0]), timeout=200)
    check(rc == 0, "ipptool print:\n%s", out[-3000:])
    ctx.log(" ".join(l.strip() for l in out.splitlines() if "job-pages" in l)[:200])


def setup_code():
    m = re.findall(r"set-up code ([A-Z2-9]{5}-[A-Z2-9]{5})", Vm.console_text())
    check(m, "no set-up code on the console:\n%s", Vm.console_text()[-3000:])
    return m[-1]


@test
def test_setup(ctx):
    """The set-up page answers; the console's code (and only it) opens it; the set-up is
    applied: the queue takes the appliance name and advertising is turned on."""
    Vm.need()
    status, body = http("GET", Vm.url("/"))
    check_eq(status, 200, "GET / before the set-up")
    check("set-up code" in body, "GET / is not the set-up page: %s" % body[:300])
    code = setup_code()
    status, _ = http("POST", Vm.url("/setup"), {"code": "AAAAA-AAAAA"})
    check_eq(status, 403, "a wrong code")
    status, body = http("POST", Vm.url("/setup"), {"code": code.lower()})
    check_eq(status, 200, "the console's code")
    check('name="password"' in body, "no password field after the code: %s" % body[:300])
    form = {"code": code, "password": "image-test-pw", "password2": "image-test-pw",
            "name": NAME, "role": "standalone", "network": "dhcp"}
    status, body = http("POST", Vm.url("/setup"), form)
    check_eq(status, 200, "finishing the set-up")
    check("Set-up done" in body, "unexpected answer: %s" % body[:400])
    check_eq(http("GET", Vm.url("/setup"))[0], 410, "GET /setup after the set-up")
    check_eq(http("POST", Vm.url("/setup"), form)[0], 410, "the code a second time")
    status, body = http("GET", Vm.url("/"))
    check(status in (200, 303) and "set-up code" not in body, "GET / still shows the set-up")
    # quire-setup-apply (root, on the path unit) renames the queue and reloads quired.
    t0 = time.monotonic()
    applied = False
    while time.monotonic() - t0 < 90 and not applied:
        rc, out = ipptool(Vm.ipp_uri(), GET_PRINTER, timeout=40)
        applied = rc == 0 and NAME in out and "advertising on" in Vm.console_text()
        if not applied:
            time.sleep(2)
    check(applied, "the set-up was not applied within 90 s:\n%s\nconsole:\n%s", out[-800:],
          Vm.console_text()[-2000:])
    ctx.log([l for l in Vm.console_text().splitlines() if "quire-setup-apply" in l][-1:])
    Vm.old_code = code


@test
def test_shutdown(ctx):
    """ACPI power button (QMP system_powerdown): the guest stops cleanly and qemu exits 0."""
    Vm.need()
    vm_power_off(ctx)


@test
def test_factory_reset(ctx):
    """Boots again and picks "quire: factory reset" in the boot menu (keys typed on the serial
    console): jobs, users and the set-up are gone, a new set-up code is shown, the queue has
    its first name again, advertising is off; then a clean power-off."""
    check(Vm.work and not Vm.running() and Vm.t_ready, "the first boot did not complete")
    old_code = Vm.old_code
    vm_start(ctx, boot=2)
    t0 = time.monotonic()
    while "Boot in" not in Vm.console_text() and time.monotonic() - t0 < 120:
        check(Vm.running(), "qemu exited before the boot menu")
        time.sleep(0.2)
    check("Boot in" in Vm.console_text(), "no boot menu on the console")
    vm_type(b"j")             # systemd-boot: next entry (factory reset); arrow keys arrive twice
    time.sleep(0.5)
    vm_type(b"\r")
    vm_wait_queue(ctx)
    text = Vm.console_text()
    check("quire: factory reset done" in text, "the factory reset did not run:\n%s",
          text[-3000:])
    code = setup_code()
    check(code != old_code, "the set-up code is the old one")
    status, body = http("GET", Vm.url("/"))
    check(status == 200 and "set-up code" in body, "GET / is not the set-up page again")
    rc, out = ipptool(Vm.ipp_uri(), GET_PRINTER, timeout=40)
    check(rc == 0 and NAME not in out and "quire pull printing" in out,
          "the queue kept the set-up's name:\n%s", out[-800:])
    rc, out = ipptool(Vm.ipp_uri(), GET_JOBS_NONE, timeout=40)
    check(rc == 0, "jobs survived the factory reset:\n%s", out[-1500:])
    vm_power_off(ctx)
    shutil.rmtree(Vm.work, ignore_errors=True)


if __name__ == "__main__":
    try:
        run_tests(__doc__)
    finally:
        Vm.kill()
