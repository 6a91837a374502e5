"""Site calibration end to end: a tiny store, phantom patients laid out as a site would, a new classifier version."""

import hashlib
import json

import cv2
import numpy as np
import pytest

from core.calibration import apply_temperature
from core.model_input import to_model_input
from core.model_store import CARD_FILE
from core.scan_decision import ScanRule
from core.windowing import PNG16_HU_OFFSET
from tests.training.fixtures.tiny_store import store_fixture, tiny_store_fixture  # noqa: F401 (fixtures)
from tests.training.layouts import SIZE, make_patients, write_folder, write_rsna
from training.calibrate import main, new_card, phantom_set
from training.datasets import load_folder
from training.datasets.records import BRAIN_WINDOW_FORM
from training.evaluate_store import load_saved_model
from training.metrics import roc_auc, sensitivity_specificity
from training.phantom_data import VALIDATION_SEED, build_arrays

T, F = True, False
AIR = "055"
PATTERN = ((T, F), (F, T), (T, T), (F, F), (F, F), (T, F))


@pytest.fixture(scope="module")
def png_site(tmp_path_factory):
    """The pattern's patients, and patient 055: one slice of air, which the service does not assess."""
    site = write_folder(tmp_path_factory.mktemp("site") / "st_marys_2026", make_patients(PATTERN))
    air = np.full((SIZE, SIZE), -1000.0)
    cv2.imwrite(str(site / "images" / f"{AIR}_0.png"), (air + PNG16_HU_OFFSET).astype(np.uint16))
    cv2.imwrite(str(site / "masks" / f"{AIR}_0.png"), np.zeros((SIZE, SIZE), np.uint8))
    return site


@pytest.fixture(scope="module")
def nifti_site(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("site") / "volumes", make_patients(PATTERN), form="nifti")


def checksums(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "model_card.json"
    }


def served_scores(model_dir, site, temperature=1.0):
    """P(any) of every site slice but the air, through the written version, rescored here independently."""
    records = [r for r in load_folder(site) if r.patient_id != AIR]
    predict = load_saved_model(model_dir)
    raw = predict(np.stack([to_model_input(r.hu) for r in records]).astype(np.float32))[:, 0]
    return np.array([r.positive for r in records]), apply_temperature(raw, temperature)


def test_a_png_site_gets_a_new_classifier_version_with_the_same_weights(store, png_site):
    main(["--data", str(png_site), "--store", str(store)])

    new, old = store / "ich_classifier" / "2", store / "ich_classifier" / "1"
    assert checksums(new) == checksums(old) and len(checksums(new)) >= 3
    assert sorted(p.name for p in (store / "ich_segmenter").iterdir()) == ["1"]
    card = json.loads((new / "model_card.json").read_text())
    site = card["site_calibration"]
    assert card["version"] == 2 and site["previous_version"] == 1 and site["segmenter_version"] == 1
    assert site["data"] == "st_marys_2026" and site["dataset_type"] == "folder"
    assert (site["slices"], site["positive_slices"], site["patients"], site["positive_patients"]) == (13, 5, 7, 4)
    assert (site["slices_not_assessed"], site["positive_slices_not_assessed"]) == (1, 0)
    assert site["target_sensitivity"] == 0.95 and site["temperature_refitted"] is False
    assert card["threshold"] == site["threshold"] == card["operating_point"]["threshold"]
    assert card["training"] == json.loads((old / "model_card.json").read_text())["training"]

    labels, scores = served_scores(new, png_site)
    sensitivity, specificity = sensitivity_specificity(labels, scores, card["threshold"])
    assert sensitivity >= 0.95
    assert (site["sensitivity"], site["specificity"]) == pytest.approx((sensitivity, specificity))
    assert site["auc"] == pytest.approx(roc_auc(labels, scores))
    # 16-bit PNGs carry no spacing, so no bleed volume: the rule counts flagged neighbours only.
    assert site["scan_rule"].startswith("chosen without the volume arm")
    assert card["scan_rule"]["min_volume_ml"] is None and card["scan_rule"]["sensitivity"] >= 0.95


def test_refitting_the_temperature_on_nifti_volumes(store, nifti_site, tmp_path):
    main(
        ["--data", str(nifti_site), "--store", str(store), "--version", "7", "--temperature"]
        + ["--sensitivity", "0.8", "--report", str(tmp_path / "report")]
    )
    card = json.loads((store / "ich_classifier" / "7" / "model_card.json").read_text())
    calibration, site = card["calibration"], card["site_calibration"]
    assert calibration["method"] == "temperature" and calibration["fitted_on"] == "site data volumes"
    assert calibration["nll_after"] <= calibration["nll_before"]
    assert site["temperature"] == calibration["temperature"] and site["target_sensitivity"] == 0.8

    labels, scores = served_scores(store / "ich_classifier" / "7", nifti_site, calibration["temperature"])
    assert sensitivity_specificity(labels, scores, card["threshold"])[0] >= 0.8
    assert site["nll"] == pytest.approx(calibration["nll_after"])
    # NIfTI volumes carry spacing, so the rule may weigh the predicted bleed volume too.
    assert site["scan_rule"] == "chosen" and card["scan_rule"]["volumes"] == {"positive": 4, "negative": 2}
    served_rule = ScanRule.from_card(card)  # what serving will read from this card
    assert (served_rule.min_run, served_rule.min_volume_ml) == (
        card["scan_rule"]["min_run"],
        card["scan_rule"]["min_volume_ml"],
    )
    assert served_rule.chosen_on == "site data volumes"
    figures = json.loads((tmp_path / "report" / "figures.json").read_text())
    assert figures["site"].items() <= site.items() and sum(figures["reliability"]["after"]["count"]) == 12
    assert (tmp_path / "report" / "reliability.png").stat().st_size > 10_000


def test_an_existing_version_is_never_overwritten(store, png_site):
    target = store / "ich_classifier" / "1"
    with pytest.raises(
        SystemExit, match=f"^error: {target} exists; model versions are immutable, pick a new --version$"
    ):
        main(["--data", str(png_site), "--store", str(store), "--version", "1"])


def test_site_data_of_one_class_is_an_error(store, tmp_path):
    negatives = write_folder(tmp_path / "negatives", make_patients(((F, F), (F,))))
    with pytest.raises(
        SystemExit, match="^error: the site's data need positive and negative assessed slices; got 0 of 3$"
    ):
        main(["--data", str(negatives), "--store", str(store)])
    assert not (store / "ich_classifier" / "2").exists()


def test_slices_are_assessed_by_the_cards_limits_as_serving_assesses_them(store, png_site):
    # Limits no slice can meet leave nothing to calibrate on; the default limits assess the site's slices.
    card_path = store / "ich_classifier" / "1" / CARD_FILE
    card_path.write_text(json.dumps({**json.loads(card_path.read_text()), "assessment": {"min_brain_share": 1.0}}))
    with pytest.raises(SystemExit, match="need positive and negative assessed slices; got 0 of 0$"):
        main(["--data", str(png_site), "--store", str(store)])


def test_the_data_folder_is_required(capsys):
    with pytest.raises(SystemExit):
        main(["--dataset-type", "folder"])
    assert "error: --data is required for --dataset-type folder" in capsys.readouterr().err


def test_a_dicom_site_with_the_rsna_label_csv(store, tmp_path):
    write_rsna(tmp_path / "dicom_site", make_patients(PATTERN))
    main(["--data", str(tmp_path / "dicom_site"), "--dataset-type", "rsna-dicom", "--store", str(store)])
    card = json.loads((store / "ich_classifier" / "2" / "model_card.json").read_text())
    site = card["site_calibration"]
    assert (site["data"], site["dataset_type"]) == ("dicom_site", "rsna-dicom")
    assert (site["slices"], site["positive_slices"], site["patients"], site["positive_patients"]) == (12, 5, 6, 4)
    assert site["sensitivity"] >= 0.95 and card["threshold"] == site["threshold"]
    # DICOM gives the pixel spacing, so each slice's predicted bleed volume is known.
    assert site["scan_rule"] == "chosen"


def test_the_phantom_option_is_the_set_training_builds():
    arrays = build_arrays(VALIDATION_SEED, 6, workers=1)
    records = list(phantom_set(6, VALIDATION_SEED))
    assert [r.form == BRAIN_WINDOW_FORM for r in records] == arrays.brain_window.tolist()
    assert [r.positive for r in records] == (arrays.labels[:, 0] > 0).tolist()
    model_ready = np.stack([to_model_input(r.hu) for r in records])
    np.testing.assert_allclose(model_ready, arrays.images.astype(np.float32), atol=2e-3)  # float16 storage


def test_a_site_rule_replaces_the_cards_rules_for_every_input_form():
    card = {"threshold": 0.5, "scan_rule": {"min_run": 2}, "scan_rule_by_input": {"brain_window_8bit": {"min_run": 4}}}
    point = {"threshold": 0.3}
    site_rule = {"min_run": 3, "chosen_on": "site data"}
    updated = new_card(card, 2, {"operating_point": point, "scan_rule": site_rule}, {"site": "A"})
    assert updated["scan_rule"] == site_rule and "scan_rule_by_input" not in updated
    assert ScanRule.from_card(updated, "brain_window_8bit").min_run == 3
    # Without a site rule (no several-slice volumes of both kinds) the card's rules stay as they were.
    kept = new_card(card, 2, {"operating_point": point, "scan_rule": None}, {"site": "A"})
    assert kept["scan_rule_by_input"] == card["scan_rule_by_input"]
