"""With ICH_API_KEY set, the page asks for the key, sends it, and keeps it only in the tab's memory (fake models)."""

import pytest
from selenium.webdriver.common.by import By

from app.middleware.api_key import INVALID
from tests.e2e.phantom_files import hu_png
from tests.live_server import live_server
from tests.viewer.browser import text, wait_for_reply

API_KEY = "viewer-browser-key-0123456789"
FAKE_APP = "tests.reliability.fake_app:app"


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("store"), FAKE_APP, ICH_API_KEY=API_KEY) as base:
        yield base


def press_read(driver) -> None:
    driver.find_element(By.ID, "run").click()
    wait_for_reply(driver)


def test_the_page_asks_for_the_key_sends_it_and_stores_it_nowhere(chromium, keyed_url, phantoms, tmp_path):
    image = tmp_path / "slice.png"
    image.write_bytes(hu_png(phantoms[1].hu))
    chromium.get(f"{keyed_url}/viewer")
    key = chromium.find_element(By.ID, "api-key")
    assert key.is_displayed()
    chromium.find_element(By.ID, "scan-files").send_keys(str(image))
    press_read(chromium)
    assert text(chromium, "error") == "This service needs its API key: type it in the API key field."
    key.send_keys("not-the-key-0123456789")
    press_read(chromium)
    assert text(chromium, "error") == f"The service refused the scan (HTTP 401): {INVALID}"
    key.clear()
    key.send_keys(API_KEY)
    press_read(chromium)
    assert not chromium.find_element(By.ID, "error").is_displayed(), text(chromium, "error")
    assert chromium.find_element(By.ID, "summary-answer").text.startswith(("Hemorrhage suspected", "No hemorrhage"))
    stored = chromium.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""]
