"""The atlas phantoms as a training source: the mix flag, its draw, exported records and shards."""

import numpy as np
import pytest

from core.model_input import to_model_input
from training.cli import parse_args
from training.datasets.atlas_phantoms import (
    ATLAS,
    PROCEDURAL,
    atlas_record,
    choose_sources,
    describe_mix,
    parse_source_mix,
)
from training.datasets.records import BRAIN_WINDOW_FORM, HU_FORM
from training.held_out import phantom_scores
from training.phantom_data import build_arrays, write_phantom_shards
from training.scanner import export_render
from training.shards import ShardSpec, parser, read_shards


def test_mix_is_parsed():
    assert parse_source_mix("atlas=0.7,procedural=0.3") == {ATLAS: 0.7, PROCEDURAL: 0.3}
    assert parse_args(["--source-mix", "atlas=1.0"]).source_mix == {ATLAS: 1.0}
    assert parse_args([]).source_mix == {PROCEDURAL: 1.0}  # the default keeps earlier runs reproducible


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("atlas=0.7,procedural=0.2", "source shares sum to 0.9, not 1"),
        (
            "mri=1.0",
            "unknown phantom source 'mri'; choose from atlas, atlas_all_ages, atlas_sinus, procedural, procedural_ct",
        ),
        ("atlas", "source 'atlas' needs a share, as in atlas=0.5"),
        ("atlas=1.5,procedural=-0.5", "source 'atlas' share 1.5 is outside 0..1"),
    ],
)
def test_bad_mix_is_refused_with_the_reason(text, message):
    with pytest.raises(ValueError) as error:
        parse_source_mix(text)
    assert str(error.value) == message


def test_bad_mix_on_the_command_line_exits(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--source-mix", "atlas=0.5"])
    assert "source shares sum to 0.5, not 1" in capsys.readouterr().err


def test_sources_follow_the_mix_and_the_seed():
    sources = choose_sources(1, 2000, {ATLAS: 0.7, PROCEDURAL: 0.3})
    assert 0.66 < sources.count(ATLAS) / len(sources) < 0.74
    assert sources == choose_sources(1, 2000, {ATLAS: 0.7, PROCEDURAL: 0.3})
    assert sources != choose_sources(2, 2000, {ATLAS: 0.7, PROCEDURAL: 0.3})


def test_card_description_credits_the_atlas_only_when_used():
    assert "Rorden" in describe_mix({ATLAS: 0.5, PROCEDURAL: 0.5})["atlas"]["credit"]
    assert "atlas" not in describe_mix({PROCEDURAL: 1.0})


def test_exported_atlas_records_keep_mask_and_image_aligned():
    forms = set()
    for index in range(6):
        record = atlas_record(np.random.SeedSequence([9, index]), f"p{index}", exported=True)
        assert record.patient_id == f"p{index}"
        assert record.mask.shape == record.hu.shape and record.hu.dtype == np.float32
        forms.add(record.form)
    assert forms <= {HU_FORM, BRAIN_WINDOW_FORM}


def test_mixed_sets_hold_both_sources(tmp_path):
    mix = {ATLAS: 0.5, PROCEDURAL: 0.5}
    shards = write_phantom_shards(4, 8, tmp_path, "train", ShardSpec(), 0.5, workers=1, mix=mix)
    assert shards.count == 8
    arrays = build_arrays(4, 8, workers=1, mix=mix)
    assert arrays.images.shape[0] == 8 and arrays.labels.shape == (8, 6)
    # Both sources really were drawn for this seed.
    assert set(choose_sources(4, 8, mix)) == {ATLAS, PROCEDURAL}


def test_card_description_records_the_scanner_mix_as_the_run_used_it(monkeypatch):
    assert "scanner" not in describe_mix({PROCEDURAL: 1.0})
    shipped = describe_mix({ATLAS: 0.5, PROCEDURAL: 0.5})["scanner"]
    centres, widths = export_render.WINDOW_RANGES["brain"]
    assert shipped["export_window_centre_width_ranges"]["brain"] == [list(centres), list(widths)]
    monkeypatch.setitem(export_render.WINDOW_RANGES, "brain", ((40.0, 40.0), (80.0, 80.0)))
    edited = describe_mix({ATLAS: 0.5, PROCEDURAL: 0.5})["scanner"]
    assert edited["export_window_centre_width_ranges"]["brain"] == [[40.0, 40.0], [80.0, 80.0]]


def test_arrays_with_simulated_exports_are_what_the_training_shards_hold(tmp_path):
    """training.fit_in_memory trains on arrays; `python -m training` on shards. Both must see the same exports."""
    mix = {ATLAS: 1.0}
    shards = write_phantom_shards(5, 6, tmp_path, "train", ShardSpec(), 1.0, workers=1, mix=mix)
    parse = parser(ShardSpec())
    examples = [parse(s) for s in read_shards(list(shards.paths))]
    held = np.stack([to_model_input(np.asarray(e["hu"])[..., 0]) for e in examples])
    simulated = build_arrays(5, 6, brain_window_fraction=1.0, workers=1, mix=mix, simulated_exports=True)
    np.testing.assert_allclose(simulated.images.astype(np.float32), held, atol=2e-2)
    np.testing.assert_array_equal(simulated.brain_window, [bool(e["brain_window"]) for e in examples])
    hu = build_arrays(5, 6, brain_window_fraction=1.0, workers=1, mix=mix, simulated_exports=True, hu_only=True)
    np.testing.assert_allclose(hu.images, np.stack([np.asarray(e["hu"]) for e in examples]), atol=0.5)
    lossless = build_arrays(5, 6, brain_window_fraction=1.0, workers=1, mix=mix)  # the held-out sets' 40/80 export
    assert not np.allclose(lossless.images.astype(np.float32), held, atol=2e-2)


def test_validation_scores_can_be_drawn_through_the_exports_training_validates_on():
    """training.import_keras chooses on validation phantoms drawn as the run's validation shards are."""
    mix, spec = {ATLAS: 1.0}, ShardSpec()

    def brightness(batch):
        return np.repeat(batch.mean(axis=(1, 2, 3))[:, None], 6, axis=1)

    lossless = phantom_scores(brightness, 2, 6, mix, spec, 1, 1.0)
    simulated = phantom_scores(brightness, 2, 6, mix, spec, 1, 1.0, simulated_exports=True)
    np.testing.assert_array_equal(lossless[0], simulated[0])  # the same phantoms
    assert not np.allclose(lossless[1], simulated[1])  # seen through other exports
