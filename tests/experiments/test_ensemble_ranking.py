"""experiments.ensemble_ranking: the mean of members' P, ranked as the bench ranks the real scan."""

import numpy as np
import pytest

from experiments.ensemble_ranking import ranking, report_scores


def _report(positive: list[float], normal: list[float | None]) -> dict:
    rows = [{"assessed": p is not None, "probability": p} for p in normal]
    return {
        "semi_real": {"hu": {"positives_detail": [{"probability": p} for p in positive]}},
        "normal": {"hu": {"slices_detail": rows}},
    }


def test_slices_not_assessed_are_not_negatives():
    positive, negative = report_scores(_report([0.9, 0.8], [0.1, None, 0.2]))["hu"]
    assert positive.tolist() == [0.9, 0.8] and negative.tolist() == [0.1, 0.2]


def test_members_are_averaged_before_ranking():
    # Each member alone ranks one positive under one negative; their mean ranks every positive first.
    first = report_scores(_report([0.9, 0.3], [0.4, 0.1]))
    second = report_scores(_report([0.3, 0.9], [0.1, 0.4]))
    assert ranking([first])["hu"]["auc"] == pytest.approx(0.75)
    assert ranking([second])["hu"]["auc"] == pytest.approx(0.75)
    together = ranking([first, second])["hu"]
    assert together["auc"] == pytest.approx(1.0)
    assert together["specificity_at_90_sensitivity"] == pytest.approx(1.0)


def test_one_member_is_its_own_ranking():
    rng = np.random.default_rng(0)
    positive, normal = rng.random(20).tolist(), rng.random(30).tolist()
    member = report_scores(_report(positive, normal))
    labels = np.r_[np.ones(20), np.zeros(30)]
    scores = np.r_[positive, normal]
    pairs = (scores[labels == 1][:, None] > scores[labels == 0][None, :]).mean()
    assert ranking([member])["hu"]["auc"] == pytest.approx(pairs)
