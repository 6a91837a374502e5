"""experiments.recipe_spread: recipe means and spread from the runs' figures, and an exact permutation p."""

import json
from itertools import cycle

import pytest

from experiments.recipe_spread import EIGHT_BIT_FORMS, HU_FORM, compare, main, permutation_p, runs_needed


def _write_run(directory, version: int, hu: float, eight_bit: list[float]) -> None:
    """A run's classifier_by_form file, its 8-bit windows taking the given AUCs in turn."""
    forms = {HU_FORM: {"auc_against_whole_scan": hu}}
    forms |= {form: {"auc_against_whole_scan": auc} for form, auc in zip(EIGHT_BIT_FORMS, cycle(eight_bit))}
    (directory / f"classifier_by_form_v{version}.json").write_text(json.dumps({"classifier": version} | forms))


def test_separated_recipes_get_the_smallest_p_an_exact_test_can_give():
    # Three runs against three: 20 splits, and only the observed one and its mirror are as extreme.
    assert permutation_p([0.80, 0.81, 0.82], [0.90, 0.91, 0.92]) == pytest.approx(2 / 20)


def test_too_many_runs_for_an_exact_test_are_refused():
    with pytest.raises(ValueError, match="too many splits"):
        permutation_p([0.9] * 15, [0.9] * 15)


def test_runs_needed_grow_with_the_spread_and_shrink_with_the_difference():
    # sd 0.02 both: 2 * ((1.96 + 0.84) * 0.02 / 0.01) ** 2 = 62.8 runs for 0.01, a quarter of that for 0.02.
    a, b = [0.90, 0.92, 0.94], [0.91, 0.93, 0.95]
    assert runs_needed(a, b, 0.01) == 63 and runs_needed(a, b, 0.02) == 16
    assert runs_needed([0.90, 0.94, 0.98], [0.91, 0.95, 0.99], 0.01) == 252  # twice the sd: four times the runs


def test_interleaved_recipes_are_not_told_apart():
    assert permutation_p([0.80, 0.85, 0.90], [0.81, 0.84, 0.91]) > 0.5
    assert permutation_p([0.8, 0.9], [0.8, 0.9]) == 1.0


def test_each_recipe_is_summarised_from_its_runs_hu_and_mean_8bit_auc(tmp_path):
    _write_run(tmp_path, 1, 0.90, [0.80, 0.90])
    _write_run(tmp_path, 2, 0.92, [0.84, 0.86])
    _write_run(tmp_path, 3, 0.95, [0.70, 0.80])
    _write_run(tmp_path, 4, 0.97, [0.74, 0.76])

    report = compare(tmp_path, {"old": [1, 2], "new": [3, 4]})

    assert report["recipes"]["old"]["runs"][1] == {"hu": 0.90, "8bit_mean": pytest.approx(0.85)}
    assert report["recipes"]["old"]["hu"] == {
        "mean": 0.91,
        "sd": pytest.approx(0.0141, abs=1e-4),
        "min": 0.9,
        "max": 0.92,
    }
    assert report["recipes"]["new"]["8bit_mean"]["mean"] == pytest.approx(0.75)
    assert report["difference"]["hu"]["new_minus_old"] == pytest.approx(0.05)
    assert report["difference"]["8bit_mean"]["new_minus_old"] == pytest.approx(-0.10)
    assert report["difference"]["hu"]["permutation_p"] == pytest.approx(2 / 6, abs=1e-4)


@pytest.mark.parametrize("recipes", [["a=1,2"], ["a=1", "b=2,3"], ["a=1,x", "b=2,3"]])
def test_a_recipe_needs_two_runs_and_there_must_be_two_recipes(recipes, capsys):
    with pytest.raises(SystemExit):
        main([arg for recipe in recipes for arg in ("--recipe", recipe)])
    assert "--recipe" in capsys.readouterr().err
