"""End to end: tiny exported SavedModels evaluated on fixture datasets through the command line."""

import csv
import json
import re
import shutil

import cv2
import numpy as np
import pytest

from tests.training.fixtures.tiny_store import export_tiny_store
from tests.training.layouts import make_patients, write_ctich_nifti, write_rsna
from training.evaluate_store import main
from training.splits import PatientSplit

T, F = True, False
PATTERN = ((T, F), (F, T), (T, T), (F, F), (F, F), (T, F))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return export_tiny_store(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def ctich(tmp_path_factory):
    return write_ctich_nifti(tmp_path_factory.mktemp("ctich"), make_patients(PATTERN))


def run(store, out, *extra):
    main(["--store", str(store), "--out", str(out), *extra])
    return json.loads((out / "report.json").read_text())


def test_ctich_report_has_every_figure_plot_and_slice(store, ctich, tmp_path):
    report = run(store, tmp_path / "r", "--dataset-type", "ctich-nifti", "--data", str(ctich))

    assert report["dataset"]["slices"] == 12
    assert report["dataset"]["patients"] == 6
    assert report["dataset"]["positive_slices"] == 5
    assert report["models"]["classifier"]["threshold"] == 0.5
    detection, segmentation = report["detection"], report["segmentation"]
    assert detection["available"] and 0.0 <= detection["auc"] <= 1.0
    assert detection["at_model_card_threshold"]["threshold"] == 0.5
    chosen = detection["at_validation_threshold"]
    # 2 of the 6 patients (one positive, one negative) choose the threshold; the other 4 report it.
    assert report["scope"]["validation_patients"]["count"] == 2
    assert chosen["available"] and chosen["validation"]["sensitivity"] >= 0.95
    assert chosen["validation_slices"] + chosen["evaluation_slices"] == 12
    assert segmentation["positive_slices"] == 5
    assert segmentation["false_positives_on_negative_slices"]["slices"] == 7
    assert "mean_ml_per_negative_slice" in segmentation["false_positives_on_negative_slices"]
    assert segmentation["dice_by_lesion_size"]["unit"] == "mm2"
    assert set(segmentation["dice_per_patient_3d_values"]) == {"049", "050", "051", "054"}

    with (tmp_path / "r" / "slices.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    positive_dice = [float(r["dice"]) for r in rows if int(r["reference_pixels"]) > 0]
    assert segmentation["dice_per_slice_positive"]["mean"] == pytest.approx(np.mean(positive_dice), abs=1e-5)

    expected_plots = {
        "roc",
        "precision_recall",
        "calibration",
        "dice_histogram",
        "gallery",
        "training_classifier",
        "training_segmenter",
    }
    assert set(report["plots"]) == expected_plots
    for name in report["plots"].values():
        image = cv2.imread(str(tmp_path / "r" / name))
        assert image is not None and image.shape[0] > 100 and image.std() > 0


def test_phantoms_need_no_data_folder(store, tmp_path):
    report = run(
        store, tmp_path / "p", "--dataset-type", "phantoms", "--count", "6", "--seed", "9", "--segmenter", "none"
    )
    assert report["dataset"]["slices"] == 6
    assert report["models"]["segmenter"] is None
    assert report["segmentation"] == {
        "available": False,
        "reason": "no slice has both a reference mask and a segmenter prediction",
    }


def test_rsna_labels_only_dataset_reports_detection_and_subtypes(store, tmp_path):
    write_rsna(tmp_path / "rsna", make_patients(PATTERN))
    report = run(store, tmp_path / "r", "--dataset-type", "rsna-dicom", "--data", str(tmp_path / "rsna"))
    assert report["detection"]["available"]
    assert set(report["detection"]["subtype_auc"]) <= {
        "epidural",
        "subdural",
        "subarachnoid",
        "intraparenchymal",
        "intraventricular",
    }
    assert report["detection"]["subtype_auc"]
    assert report["segmentation"]["available"] is False


def test_a_store_without_the_model_is_an_error(tmp_path, ctich, capsys):
    with pytest.raises(
        SystemExit, match=f"^error: no SavedModel versions of 'ich_classifier' in {tmp_path / 'empty'}$"
    ):
        main(
            [
                "--store",
                str(tmp_path / "empty"),
                "--dataset-type",
                "ctich-nifti",
                "--data",
                str(ctich),
                "--out",
                str(tmp_path / "r"),
            ]
        )


def test_a_card_that_does_not_validate_is_an_error_naming_the_field(store, ctich, tmp_path):
    broken = shutil.copytree(store, tmp_path / "store")
    card = broken / "ich_segmenter" / "1" / "model_card.json"
    card.write_text(
        json.dumps({key: value for key, value in json.loads(card.read_text()).items() if key != "threshold"})
    )
    with pytest.raises(
        SystemExit, match=f"^error: {re.escape(str(card))} does not validate: threshold: Field required$"
    ):
        main(
            [
                "--store",
                str(broken),
                "--dataset-type",
                "ctich-nifti",
                "--data",
                str(ctich),
                "--out",
                str(tmp_path / "r"),
            ]
        )


def test_nothing_to_evaluate_is_an_error(store, ctich, tmp_path):
    with pytest.raises(SystemExit, match="^error: nothing to evaluate: both --classifier and --segmenter are 'none'$"):
        main(
            [
                "--store",
                str(store),
                "--classifier",
                "none",
                "--segmenter",
                "none",
                "--dataset-type",
                "phantoms",
                "--out",
                str(tmp_path),
            ]
        )


def test_dataset_types_other_than_phantoms_need_data(capsys):
    with pytest.raises(SystemExit):
        main(["--dataset-type", "folder", "--out", "x"])
    assert "error: --data is required for --dataset-type folder" in capsys.readouterr().err


def test_a_saved_split_restricts_the_evaluation_to_its_part(store, ctich, tmp_path):
    PatientSplit(train=("049", "050"), validation=("051",), test=("052", "053", "054")).save(tmp_path / "split.json")
    report = run(
        store,
        tmp_path / "r",
        "--dataset-type",
        "ctich-nifti",
        "--data",
        str(ctich),
        "--split",
        str(tmp_path / "split.json"),
    )
    assert report["dataset"]["patients"] == 3
    assert report["dataset"]["split"] == {"file": str(tmp_path / "split.json"), "part": "test"}
    assert set(report["segmentation"]["dice_per_patient_3d_values"]) == {"054"}
