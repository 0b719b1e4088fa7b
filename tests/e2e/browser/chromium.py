"""Headless Chromium from Debian's ``chromium`` and ``chromium-driver`` packages, driven by Selenium.

Selenium is pointed at both binaries, so its selenium-manager never downloads a browser or a driver.
``make test`` installs the packages (the ``.make/browser`` stamp).
"""

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

__all__ = ["CHROMEDRIVER", "CHROMIUM", "BrowserMissingError", "headless_chromium"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Long enough for a scenario that waits on the uploads function or a stream event (cold workers included).
SCRIPT_TIMEOUT_SECONDS = 180
_QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class BrowserMissingError(RuntimeError):
    """Chromium or its driver is not installed where Debian puts them."""

    def __init__(self, missing: Path) -> None:
        super().__init__(
            f"{missing} is missing: run `make test` (it installs Debian's chromium and chromium-driver), "
            "or `apt-get install chromium chromium-driver`."
        )


def headless_chromium(user_data_dir: Path, *, proxy_server: str) -> webdriver.Chrome:
    """A fresh headless Chromium whose ``http://localhost…`` requests go to ``proxy_server``.

    ``<-loopback>`` lifts Chromium's rule that loopback hosts never use a proxy; ``127.0.0.1`` is then
    named as the one host reached directly, which is where the local cloud listens.
    """
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            raise BrowserMissingError(binary)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        *_QUIET_FLAGS,
        f"--user-data-dir={user_data_dir}",
        f"--proxy-server={proxy_server}",
        "--proxy-bypass-list=<-loopback>;127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(SCRIPT_TIMEOUT_SECONDS)
    return driver
