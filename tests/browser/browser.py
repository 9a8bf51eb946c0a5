"""Headless Chromium for the console tests and tools/console-screenshot.py:
Debian's chromium and chromium-driver, driven by python3-selenium.

The browser and its chromedriver are started here and stopped by quit()
(chromedriver's PID is the Service's; Chromium is its child)."""

import os
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("LINECAST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LINECAST_CHROMEDRIVER", "/usr/bin/chromedriver")


def start_chromium(profile_dir, width=1280, height=800):
    """A headless Chromium with a fresh profile in profile_dir whose console
    log (every level) can be read with driver.get_log("browser")."""
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-color-profile=srgb",
                f"--window-size={width},{height}", f"--user-data-dir={profile_dir}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(CHROMEDRIVER, log_path=os.devnull)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(20)
    return driver


def stop_chromium(driver):
    try:
        driver.quit()
    finally:
        # quit() ends chromedriver; if it could not, end it by its own PID.
        service = getattr(driver, "service", None)
        if service is not None and service.process is not None and service.process.poll() is None:
            service.process.kill()
            service.process.wait(timeout=10)


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def wait_js(driver, expression, timeout=10.0, what=None):
    """Polls a JavaScript expression until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return ({expression});")
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or expression} (last: {value!r})")
