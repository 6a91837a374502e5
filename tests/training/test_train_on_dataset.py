"""Training on a dataset a user brings (CT-ICH NIfTI layout, written from phantoms), with the model options:
2.5D input, attention gates and transfer learning from an earlier run; then the service runs the 2.5D pair."""

import json
import subprocess
import sys

import cv2
import httpx
import pytest

from core.windowing import hu_to_brain_window_pixels
from tests.live_server import ROOT, live_server
from tests.training.layouts import make_patients, write_ctich_nifti

PATTERN = tuple((True, False, True, False) for _ in range(6))  # every patient has slices with and without a bleed


def _train(*arguments: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "training", "--classifier-epochs", "1", "--segmenter-epochs", "1", *arguments],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("dataset")
    data = write_ctich_nifti(root / "ct-ich", make_patients(PATTERN))
    donor_run = root / "donor"
    _train("--smoke", "--store", str(root / "donor_store"), "--run-dir", str(donor_run), "--workers", "1")
    store, run = root / "store", root / "run"
    _train(
        "--dataset",
        "ctich-nifti",
        "--data",
        str(data),
        "--context-slices",
        "1",
        "--attention",
        "--init-classifier",
        str(donor_run / "checkpoints" / "classifier.keras"),
        "--init-segmenter",
        str(donor_run / "checkpoints" / "segmenter.keras"),
        "--store",
        str(store),
        "--run-dir",
        str(run),
    )
    return store, run


def _card(store, name):
    return json.loads((store / name / "1" / "model_card.json").read_text())


def test_the_split_is_by_patient_and_saved(trained):
    _, run = trained
    split = json.loads((run / "shards" / "split.json").read_text())
    parts = [set(split[name]) for name in ("train", "validation", "test")]
    assert all(parts) and not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert len(set().union(*parts)) == len(PATTERN)


def test_cards_record_the_2_5d_input_attention_and_transfer(trained):
    store, _ = trained
    classifier, segmenter = _card(store, "ich_classifier"), _card(store, "ich_segmenter")
    for card in (classifier, segmenter):
        assert card["input"]["shape"] == [None, 256, 256, 9] and card["input"]["context_slices"] == 1
        assert card["training_data"]["source"].startswith("ctich-nifti")
    assert segmenter["architecture"]["attention_gates"] is True
    # 2.5D: the first convolution saw 3 channels in the donor and 9 here, so it alone starts fresh.
    assert classifier["training"]["transfer_learning"]["layers_skipped"] == 1
    assert segmenter["training"]["transfer_learning"]["layers_copied"] > 5


def test_held_out_test_patients_are_reported(trained):
    store, run = trained
    report = json.loads((run / "report" / "report.json").read_text())
    assert report["detection"]["slices"] == 4
    assert _card(store, "ich_classifier")["metrics"]["held_out"]["test_patients"]["slices"] == 4


def test_the_service_feeds_a_2_5d_pair_a_lone_slice_as_its_own_neighbours(trained):
    store, _ = trained
    slice_hu = make_patients(PATTERN)[0].slices[0].hu
    png = cv2.imencode(".png", hu_to_brain_window_pixels(slice_hu))[1].tobytes()
    with live_server(store) as base:
        answer = httpx.post(f"{base}/v1/predict", files={"image": ("s.png", png)}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert 0.0 <= answer.json()["probability"] <= 1.0


def test_a_volume_gets_each_slice_with_its_neighbours_as_in_training(trained, tmp_path_factory):
    """/v1/volume on the 2.5D pair equals an offline call on the loader's stack with the same neighbours."""
    import numpy as np
    import tensorflow as tf

    from core.model_input import stack_slice_input
    from training.datasets import load_ctich_nifti

    store, _ = trained
    data = write_ctich_nifti(tmp_path_factory.mktemp("volume") / "ct-ich", make_patients(PATTERN)[:1])
    records = list(load_ctich_nifti(data))
    volume = np.stack([r.hu for r in records])
    classifier = tf.saved_model.load(str(store / "ich_classifier" / "1"))
    offline = [float(classifier.serve(stack_slice_input(volume, i, 1)[None]).numpy()[0, 0]) for i in range(len(volume))]
    alone = [
        float(classifier.serve(stack_slice_input(volume[i : i + 1], 0, 1)[None]).numpy()[0, 0])
        for i in range(len(volume))
    ]

    nifti = (data / "ct_scans" / f"{make_patients(PATTERN)[0].pid}.nii").read_bytes()
    with live_server(store) as base:
        answer = httpx.post(f"{base}/v1/volume", files={"volume": ("scan.nii", nifti)}, timeout=120)
    assert answer.status_code == 200, answer.text
    served = [s["probability"] for s in answer.json()["slices"]]
    assert served == pytest.approx(offline, abs=1e-4)
    assert served != pytest.approx(alone, abs=1e-4)  # the neighbours did change the answer
