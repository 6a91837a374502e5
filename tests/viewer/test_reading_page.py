"""The reading page in headless Chromium against the live service with the shipped models (issue 18).

What the page shows is checked against the service's own JSON for the same files.
"""

import base64
import gzip
import json
import os
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.phantom_files import hu_png
from tests.viewer.browser import downloaded, progress_seen, read_scan, text, wait_for_reply

# Set to docs/viewer to refresh the README's screenshot; by default screenshots go to the test's tmp folder.
SCREENSHOT_DIR = os.environ.get("ICH_VIEWER_SCREENSHOTS")
# A file dropped on the page, as the browser would deliver it from the desktop.
DROP_JS = """
const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
const transfer = new DataTransfer();
transfer.items.add(new File([bytes], 'slice.png', { type: 'image/png' }));
document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));"""
CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()
CANVAS_JS = "const c = document.getElementById('image'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
# The CT is drawn in grey: red-over-green pixels are the predicted mask, pure cyan ones the reference's outline.
OVERLAY_PIXELS_JS = CANVAS_JS + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > d[i + 1]) n++; return n;"
YELLOW_PIXELS_JS = (
    CANVAS_JS
    + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 0) n++; return n;"
)
REFERENCE_PIXELS_JS = (
    CANVAS_JS + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i + 1] === 230) n++; return n;"
)


def post_files(base: str, path: str, fields: dict[str, list[Path]]) -> dict:
    files = [(field, (p.name, p.read_bytes())) for field, paths in fields.items() for p in paths]
    response = httpx.post(f"{base}{path}", files=files, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def slice_index(driver) -> int:
    return int(driver.find_element(By.ID, "slice-slider").get_attribute("value"))


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    folder = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    return path


@pytest.fixture(scope="module")
def answer(live_url, phantom_series, phantom_references) -> dict:
    return post_files(live_url, "/v1/series", {"files": phantom_series, "reference_masks": phantom_references})


@pytest.fixture
def series_on_page(chromium, live_url, phantom_series, phantom_references) -> None:
    """The phantom series read on a fresh page, so a test does not lean on the page an earlier test left."""
    read_scan(chromium, live_url, phantom_series, phantom_references)


def test_series_summary_equals_the_json_answer(
    chromium, live_url, phantom_series, phantom_references, answer, tmp_path
):
    read_scan(chromium, live_url, phantom_series, phantom_references)
    assert not chromium.find_element(By.ID, "error").is_displayed(), text(chromium, "error")
    assert text(chromium, "summary-dice") == f"{answer['dice']:.3f}"
    seen = progress_seen(chromium)
    assert seen[0].startswith("Uploading the scan") and "Running the models…" in seen, seen
    assert not chromium.find_element(By.ID, "progress-row").is_displayed()
    verdict = "Hemorrhage suspected" if answer["hemorrhage"] else "No hemorrhage found"
    assert text(chromium, "summary-answer") == verdict
    assert text(chromium, "summary-probability") == f"{answer['probability']:.3f}"
    assert text(chromium, "summary-volume") == f"{answer['bleed_volume_ml']:.2f} mL"
    rule = answer["scan_rule"]  # words, or an object whose text is the words
    assert (rule["text"] if isinstance(rule, dict) else rule) in text(chromium, "summary-rule")
    assert text(chromium, "summary-threshold") == f"{answer['threshold']:.3f}"
    models = ", ".join(f"{m['name']} v{m['version']}" for m in answer["models"])
    assert text(chromium, "summary-models") == models
    # The page opens on the most suspicious slice and shows that slice's own probability.
    suspicious = answer["most_suspicious_slice"]
    assert slice_index(chromium) == suspicious
    assert f"P(any) {answer['slices'][suspicious]['probability']:.3f}" in text(chromium, "slice-info")
    assert "Not for clinical use" in text(chromium, "notice")
    assert chromium.find_element(By.ID, "notice").is_displayed()
    assert screenshot(chromium, tmp_path, "reading_page.png").stat().st_size > 10_000


def test_the_notice_stays_in_view_and_text_is_readable(chromium, series_on_page):
    chromium.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    top, bottom = chromium.execute_script(
        "const r = document.getElementById('notice').getBoundingClientRect(); return [r.top, r.bottom];"
    )
    assert 0 <= top < bottom <= chromium.execute_script("return window.innerHeight;")
    assert not chromium.find_elements(By.CSS_SELECTOR, "#notice button, #notice a")
    chromium.execute_script("window.scrollTo(0, 0);")
    selectors = ["#notice", "#slice-info", "#summary dt", "#summary-answer", "#go-suspicious", "h2", "#chosen"]
    ratios = dict(chromium.execute_script(CONTRAST_JS, selectors))
    # WCAG AAA for body text is 7:1; every piece of text here meets it.
    assert all(ratio >= 7 for ratio in ratios.values()), ratios


def test_wheel_keys_and_chart_move_through_slices(chromium, series_on_page, answer):
    canvas = chromium.find_element(By.ID, "image")
    chromium.find_element(By.CSS_SELECTOR, '#chart g.slice[data-index="0"]').click()
    assert slice_index(chromium) == 0
    ActionChains(chromium).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, 120).perform()
    assert slice_index(chromium) == 1
    canvas.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert slice_index(chromium) == 3
    canvas.send_keys(Keys.END)
    assert slice_index(chromium) == len(answer["slices"]) - 1
    assert f"P(any) {answer['slices'][-1]['probability']:.3f}" in text(chromium, "slice-info")
    withheld = answer["slices"][-1]["withheld_area_pixels"]  # the segmenter's outline on a slice not flagged
    assert ("withheld" in text(chromium, "slice-info")) == (withheld > 0)
    chromium.find_element(By.ID, "go-suspicious").click()
    assert slice_index(chromium) == answer["most_suspicious_slice"]


def test_overlay_toggles_on_the_most_suspicious_slice(chromium, series_on_page, answer):
    suspicious = answer["slices"][answer["most_suspicious_slice"]]
    assert suspicious["area_pixels"] > 0, "the phantom's most suspicious slice should carry a mask"
    chromium.find_element(By.ID, "go-suspicious").click()
    assert chromium.execute_script(REFERENCE_PIXELS_JS) > 0, "the reference outline should be drawn"
    chromium.find_element(By.ID, "show-reference").click()
    assert chromium.execute_script(REFERENCE_PIXELS_JS) == 0
    shown = chromium.execute_script(OVERLAY_PIXELS_JS)
    assert shown == suspicious["area_pixels"]
    chromium.find_element(By.ID, "show-mask").click()
    assert chromium.execute_script(OVERLAY_PIXELS_JS) == 0
    chromium.find_element(By.ID, "show-mask").click()
    assert chromium.execute_script(OVERLAY_PIXELS_JS) == shown


def test_window_presets_change_the_image(chromium, series_on_page):
    canvas_png = "return document.getElementById('image').toDataURL();"
    brain = chromium.execute_script(canvas_png)
    chromium.find_element(By.CSS_SELECTOR, '[data-window="bone"]').click()
    assert chromium.find_element(By.ID, "window-width").get_attribute("value") == "2800"
    assert chromium.execute_script(canvas_png) != brain
    chromium.find_element(By.CSS_SELECTOR, '[data-window="brain"]').click()
    assert chromium.execute_script(canvas_png) == brain


def test_identifiers_hidden_until_asked(chromium, series_on_page, phantom_series, answer):
    study = answer["input"]["study_instance_uid"]
    page = chromium.find_element(By.TAG_NAME, "body").text
    assert study not in page
    assert phantom_series[0].stem not in page, "file names can carry the patient's name"
    chromium.find_element(By.ID, "show-identifiers").click()
    assert study in text(chromium, "identifiers")
    chromium.find_element(By.ID, "show-identifiers").click()
    assert study not in chromium.find_element(By.TAG_NAME, "body").text


def test_a_wrong_file_shows_the_services_error(chromium, live_url, tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a scan\n" * 20)
    expected = httpx.post(f"{live_url}/v1/series", files=[("files", (wrong.name, wrong.read_bytes()))], timeout=60)
    assert expected.status_code in (400, 415, 422), expected.text
    read_scan(chromium, live_url, [wrong])
    shown = text(chromium, "error")
    assert expected.json()["error"]["message"] in shown
    assert f"HTTP {expected.status_code}" in shown
    assert chromium.find_element(By.ID, "notice").is_displayed()


def test_a_nifti_volume_reads_with_its_masks_turned(chromium, live_url, phantom_volume):
    volume, reference = phantom_volume
    answer = post_files(live_url, "/v1/volume", {"volume": [volume], "reference_mask": [reference]})
    read_scan(chromium, live_url, [volume], [reference])
    assert not chromium.find_element(By.ID, "error").is_displayed(), text(chromium, "error")
    assert text(chromium, "summary-volume") == f"{answer['bleed_volume_ml']:.2f} mL"
    assert text(chromium, "summary-dice") == f"{answer['dice']:.3f}"
    assert chromium.find_element(By.ID, "download-mask-nifti").is_displayed()
    chromium.find_element(By.ID, "show-reference").click()
    # Each slice's drawn mask has the area the JSON gives that slice: the mask volume was turned like the image.
    for index, slice_answer in enumerate(answer["slices"]):
        chromium.find_element(By.CSS_SELECTOR, f'#chart g.slice[data-index="{index}"]').click()
        assert chromium.execute_script(OVERLAY_PIXELS_JS) == slice_answer["area_pixels"], index


def test_a_nifti_volumes_withheld_outlines_are_drawn_in_yellow(chromium, live_url, missed_bleed_volume):
    answer = post_files(live_url, "/v1/volume?withheld_masks=true", {"volume": [missed_bleed_volume]})
    withheld = [s["withheld_area_pixels"] for s in answer["slices"]]
    assert any(withheld), "the volume should hold a bleed the classifier misses and the segmenter outlines"
    read_scan(chromium, live_url, [missed_bleed_volume])
    for index, pixels in enumerate(withheld):
        chromium.find_element(By.CSS_SELECTOR, f'#chart g.slice[data-index="{index}"]').click()
        drawn = chromium.execute_script(YELLOW_PIXELS_JS)
        assert (0 < drawn <= pixels) if pixels else drawn == 0, index  # its edge, drawn inside it
        assert ("drawn in yellow" in text(chromium, "slice-info")) == (pixels > 0), index


def test_downloads_hold_the_answer_the_masks_and_the_overlay(chromium, live_url, phantom_volume, downloads):
    volume, reference = phantom_volume
    answer = post_files(live_url, "/v1/volume", {"volume": [volume], "reference_mask": [reference]})
    read_scan(chromium, live_url, [volume], [reference])
    index = answer["most_suspicious_slice"]
    for button in ("download-json", "download-mask-nifti", "download-mask-png", "download-overlay"):
        chromium.find_element(By.ID, button).click()
    saved = json.loads(downloaded(downloads, "ich-answer.json"))
    assert saved["probability"] == answer["probability"] and saved["bleed_volume_ml"] == answer["bleed_volume_ml"]
    # Two requests, two gzip time stamps: the volumes inside are what must match.
    mask_volume = gzip.decompress(downloaded(downloads, "ich-mask.nii.gz"))
    assert mask_volume == gzip.decompress(base64.b64decode(answer["mask_nifti_base64"]))
    mask_png = downloaded(downloads, f"ich-mask-{index}.png")
    mask = cv2.imdecode(np.frombuffer(mask_png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert int((mask > 0).sum()) == answer["slices"][index]["area_pixels"]
    overlay = cv2.imdecode(np.frombuffer(downloaded(downloads, f"ich-overlay-{index}.png"), np.uint8), cv2.IMREAD_COLOR)
    assert overlay.shape[:2] == mask.shape
    assert (overlay[..., 2] > overlay[..., 1]).any(), "the overlay PNG should carry the red mask"


def read_dropped(driver, live_url: str, image: Path) -> None:
    """One image file dropped on a fresh page and read, as from the desktop."""
    driver.get(f"{live_url}/viewer")
    driver.execute_script(DROP_JS, base64.b64encode(image.read_bytes()).decode())
    WebDriverWait(driver, 10).until(lambda d: text(d, "chosen").startswith("Scan: 1 file"))
    driver.find_element(By.ID, "run").click()
    wait_for_reply(driver)
    assert not driver.find_element(By.ID, "error").is_displayed(), text(driver, "error")


def test_one_png_slice_dropped_on_the_page_reads_as_a_one_slice_scan(chromium, live_url, phantoms, tmp_path):
    image = tmp_path / "slice.png"
    image.write_bytes(hu_png(phantoms[1].hu))
    answer = post_files(live_url, "/v1/predict", {"image": [image]})
    read_dropped(chromium, live_url, image)
    verdict = "Hemorrhage suspected" if answer["hemorrhage"] else "No hemorrhage found"
    assert text(chromium, "summary-answer") == verdict
    assert text(chromium, "summary-probability") == f"{answer['probability']:.3f}"
    assert chromium.execute_script(OVERLAY_PIXELS_JS) == answer["area_pixels"]


def test_a_withheld_outline_is_drawn_in_yellow_and_said(chromium, live_url, missed_bleed_png):
    answer = post_files(live_url, "/v1/predict", {"image": [missed_bleed_png]})
    assert not answer["hemorrhage"] and answer["withheld_area_pixels"] > 0, "the image should be a missed bleed"
    read_dropped(chromium, live_url, missed_bleed_png)
    assert chromium.execute_script(OVERLAY_PIXELS_JS) == 0  # no answer mask: nothing red
    outline = cv2.imdecode(np.frombuffer(base64.b64decode(answer["withheld_mask_png_base64"]), np.uint8), 0) > 0
    assert 0 < chromium.execute_script(YELLOW_PIXELS_JS) <= outline.sum()  # its edge, drawn inside it
    assert f"{answer['withheld_area_pixels']} px" in text(chromium, "slice-info")
    chromium.find_element(By.ID, "show-mask").click()
    assert chromium.execute_script(YELLOW_PIXELS_JS) == 0  # the mask toggle hides it with the mask
    chromium.find_element(By.ID, "show-mask").click()
