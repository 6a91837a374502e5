"""The CI check: the bench's subset of the real scan, run now with the served models, reproduces the figures
recorded in their cards (real_ct.ci_subset). Reads the scan from ../shared/realct, which CI has."""

import pytest

from app.config import Settings
from bench.realct import cards
from bench.realct.evaluate import CI_POSITIVES, SEED, ci_subset, evaluate
from bench.realct.forms import FORMS, SEMI_REAL_FORMS
from bench.realct.scan_input import read_scan
from bench.realct.serving import served as served_pair
from tests.live_server import ROOT

SHARED_SCAN = ROOT / ".." / "shared" / "realct" / "invesalius_0051"
pytestmark = pytest.mark.skipif(not SHARED_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")

EXACT = ("slices", "positives", "negatives", "scan_positive")
COUNTS = ("flagged_slices", "slices_with_mask", "slices_with_component_over_10mm2")
RATES = ("sensitivity", "specificity")  # one slice of ten either side of the threshold


def _close(key: str, recorded, now) -> bool:
    if isinstance(recorded, dict):
        return set(recorded) == set(now) and all(_close(f"{key}.{k}", recorded[k], now[k]) for k in recorded)
    if recorded is None or now is None:
        return recorded is now
    if any(key.endswith(name) for name in EXACT):
        return recorded == now
    if any(key.endswith(name) for name in COUNTS):
        return abs(recorded - now) <= 1
    if key.endswith("_ml") or "mm2" in key:
        return abs(recorded - now) <= 0.05 * abs(recorded) + (0.2 if key.endswith("_ml") else 20.0)
    if "sensitivity" in key or "specificity" in key:
        return abs(recorded - now) <= 0.11
    return abs(recorded - now) <= 0.03


@pytest.fixture(scope="module")
def served():
    models, config = served_pair(Settings(model_store=ROOT / "model_store"))
    result = evaluate(models, config, ci_subset(read_scan(SHARED_SCAN)), FORMS, CI_POSITIVES, SEED)
    return models, result


def test_the_subset_covers_every_form_and_target(served):
    _, result = served
    assert list(result.report["normal"]) == [f.name for f in FORMS]
    assert list(result.report["semi_real"]) == [f.name for f in SEMI_REAL_FORMS]
    assert len(result.checks) == 4 * len(FORMS) + 3 * len(SEMI_REAL_FORMS)
    assert all(c["line"].startswith(("PASS", "FAIL")) for c in result.checks)
    assert {"ventricles", "centrum_semiovale"} <= set(result.levels)


@pytest.mark.parametrize("model", ["classifier", "segmenter"])
def test_the_served_models_reproduce_their_cards(served, model):
    models, result = served
    version = models.classifier_version if model == "classifier" else models.segmenter_version
    recorded = cards.recorded_subset(version.path)
    assert recorded is not None, f"{version.path} has no real_ct.ci_subset: run python -m bench.realct --record-cards"
    now = cards.card_figures(result.report, model)
    assert set(now) == set(recorded["forms"])
    differing = [
        (form, key, value, now[form].get(key))
        for form, figures in recorded["forms"].items()
        for key, value in figures.items()
        if not _close(key, value, now[form].get(key))
    ]
    assert not differing, f"figures that moved from the card (form, figure, card, now): {differing}"
