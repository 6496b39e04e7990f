"""browser: headless Chromium driven by Selenium, for the web console's browser tests.

Debian's chromium, chromium-driver and python3-selenium (PACKAGES in web/web.mk). The browser
runs headless with a new empty profile, no sandbox (tests run as root), no GPU, no QUIC, no
first-run, sync, component updates or background networking, and a host resolver that
resolves no name at all: pages are loaded from 127.0.0.1 and must work without internet.
Self-signed certificates are accepted (acceptInsecureCerts), as a user accepts the
appliance's certificate once.

    ensure_selenium()                 # first thing in a test file: re-runs it under Debian's
                                      # python3 when this interpreter has no selenium
    with Browser(artifacts) as b:     # artifacts: folder for screenshots
        b.get(url); b.type("#user", "alice"); b.click("#submit")
        b.wait_text("#who", "Alice"); b.screenshot("shell")

Every wait is bounded (default 10 s); the browser and chromedriver are ended by quit() or, if
that fails, by the PID of the chromedriver we started.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

SYSTEM_PYTHON = "/usr/bin/python3"
CHROMIUM = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
CHROMEDRIVER = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
         "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def ensure_selenium():
    """Makes `import selenium` work: re-executes this script under Debian's python3 (where
    python3-selenium installs) when the running interpreter lacks it. Returns False when
    selenium is nowhere to be found."""
    try:
        import selenium  # noqa: F401
        return True
    except ImportError:
        pass
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and \
            os.access(SYSTEM_PYTHON, os.X_OK) and not os.environ.get("QUIRE_BROWSER_REEXEC"):
        os.environ["QUIRE_BROWSER_REEXEC"] = "1"
        sys.stdout.flush()
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    return False


def first(paths):
    return next((p for p in paths if os.access(p, os.X_OK)), None)


def missing():
    """Why no browser test can run here (a string), or None."""
    if not first(CHROMIUM):
        return "chromium is not installed"
    if not first(CHROMEDRIVER):
        return "chromium-driver is not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed"
    return None


class BrowserError(Exception):
    pass


class Browser:
    """One headless Chromium with its own empty profile."""

    def __init__(self, artifacts, size=(1280, 900), timeout=10.0):
        self.artifacts = artifacts
        self.size = size
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="quire-chromium-")
        self.driver = None
        self.service = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def start(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = first(CHROMIUM)
        for f in FLAGS + ["--user-data-dir=" + self.profile,
                          "--window-size=%d,%d" % self.size]:
            opts.add_argument(f)
        opts.set_capability("acceptInsecureCerts", True)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.service = Service(first(CHROMEDRIVER),
                               log_path=os.path.join(self.profile, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=self.service, options=opts)
        self.driver.set_page_load_timeout(30)
        return self

    def close(self):
        try:
            if self.driver:
                self.driver.quit()
        except Exception:  # noqa: BLE001 - fall back to ending our chromedriver by PID
            proc = getattr(self.service, "process", None)
            if proc and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.driver = None
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---- navigation and reading ----
    def get(self, url):
        self.driver.get(url)

    @property
    def url(self):
        return self.driver.current_url

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.find(css).text

    def visible(self, css):
        els = self.find_all(css)
        return bool(els) and els[0].is_displayed()

    def wait(self, fn, what, timeout=None):
        """Polls fn() (exceptions count as not yet) until truthy; returns its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        last = None
        while time.monotonic() < deadline:
            try:
                v = fn()
                if v:
                    return v
            except Exception as e:  # noqa: BLE001 - element not there yet, page loading
                last = e
            time.sleep(0.05)
        raise BrowserError("%s: not within %.0f s (url %s, last error %r)" % (
            what, timeout or self.timeout, self.url, last))

    def wait_visible(self, css, timeout=None):
        return self.wait(lambda: self.visible(css) and self.find(css), css + " visible", timeout)

    def wait_text(self, css, text, timeout=None):
        """Waits until element `css` shows a text containing `text`; returns the text."""
        return self.wait(lambda: text in self.text(css) and self.text(css),
                         "%s showing %r" % (css, text), timeout)

    def wait_path(self, path, timeout=None):
        """Waits until the address bar's path (and query) is `path`."""
        from urllib.parse import urlsplit

        def at():
            u = urlsplit(self.url)
            return (u.path + ("?" + u.query if u.query else "")) == path
        return self.wait(at, "at " + path, timeout)

    # ---- acting ----
    def type(self, css, text, clear=True):
        e = self.wait_visible(css)
        if clear:
            e.clear()
        e.send_keys(text)

    def click(self, css):
        self.wait_visible(css).click()

    def upload(self, css, path):
        self.find(css).send_keys(os.path.abspath(path))

    def resize(self, width, height):
        self.driver.set_window_size(width, height)

    def cookies(self):
        return {c["name"]: c for c in self.driver.get_cookies()}

    # ---- evidence ----
    def screenshot(self, name):
        os.makedirs(self.artifacts, exist_ok=True)
        path = os.path.join(self.artifacts, name + ".png")
        if not self.driver.save_screenshot(path):
            raise BrowserError("no screenshot " + path)
        return path

    def console(self):
        """Browser console entries since the last call: [(level, message)]."""
        return [(e["level"], e["message"]) for e in self.driver.get_log("browser")]
