"""Headless Debian Chromium driven by Selenium: the reading page is tested in a real browser, offline."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ANSWER_TIMEOUT_S = 60
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# No sandbox (CI runs as root); nothing that phones home, so the page is seen exactly as offline.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1440,1000",
]


def require_chromium() -> None:
    """CI installs chromium in .ci/run, so there a missing browser is a failure; on a laptop it is a skip."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    message = f"{', '.join(missing)} missing: apt-get install chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def download_folder(profile: Path) -> Path:
    return profile / "downloads"


def downloaded(folder: Path, name: str, timeout_s: float = 10.0) -> bytes:
    """The bytes of a finished download (Chromium writes NAME.crdownload first, then renames it)."""
    path, deadline = folder / name, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_bytes()
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; the folder holds {sorted(p.name for p in folder.glob('*'))}")


def start_chromium() -> tuple[webdriver.Chrome, Path]:
    require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="ich-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # Downloads land in the profile without a prompt, several in a row, so tests can read what the page saves.
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_folder(profile)),
            "download.prompt_for_download": False,
            "profile.default_content_setting_values.automatic_downloads": 1,
        },
    )
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options), profile


def stop_chromium(driver: webdriver.Chrome, profile: Path) -> None:
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# Keeps every text the progress line shows, however briefly.
RECORD_PROGRESS_JS = """
window.progressSeen = [];
const line = document.getElementById('progress-text');
new MutationObserver(() => window.progressSeen.push(line.textContent)).observe(line, { childList: true });"""


def text(driver: webdriver.Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def wait_for_reply(driver: webdriver.Chrome) -> None:
    """Until the page shows an answer or an error."""
    WebDriverWait(driver, ANSWER_TIMEOUT_S).until(
        lambda d: d.find_element(By.ID, "reader").is_displayed() or d.find_element(By.ID, "error").is_displayed()
    )


def read_scan(driver: webdriver.Chrome, base: str, paths: list[Path], references: list[Path] = ()) -> None:
    """Open the page, choose the files as the file dialog would, press Read and wait for the reply."""
    driver.get(f"{base}/viewer")
    driver.find_element(By.ID, "scan-files").send_keys("\n".join(str(p) for p in paths))
    if references:
        driver.find_element(By.ID, "reference-files").send_keys("\n".join(str(p) for p in references))
    driver.execute_script(RECORD_PROGRESS_JS)
    driver.find_element(By.ID, "run").click()
    wait_for_reply(driver)


def progress_seen(driver: webdriver.Chrome) -> list[str]:
    """Every text the progress line showed during the last read_scan."""
    return driver.execute_script("return window.progressSeen;")
