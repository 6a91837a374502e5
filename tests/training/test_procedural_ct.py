"""The procedural_ct source: procedural anatomy with a skull as thick as an adult's is where it is, rendered
through training.scanner's CT physics."""

import numpy as np
import pytest

from training.datasets.atlas_phantoms import PROCEDURAL, PROCEDURAL_CT, describe_mix, parse_source_mix, source_record
from training.datasets.records import BRAIN_WINDOW_FORM, HU_FORM
from training.phantom_data import build_arrays, write_phantom_shards
from training.phantoms.generator import generate_phantom
from training.phantoms.head_frame import sample_frame
from training.phantoms.skull import apparent_thickness_mm, skull_thickness_mm
from training.shards import ShardSpec


def test_a_shell_cut_at_its_equator_shows_its_own_thickness_and_wider_towards_its_top():
    radius, thickness = np.array([70.0]), np.array([7.0])
    assert apparent_thickness_mm(radius, thickness, 0.0)[0] == pytest.approx(7.0)
    # The inner circle of a cut higher up is smaller: r = R sqrt(1 - s^2).
    widths = [apparent_thickness_mm(70.0 * np.sqrt(1 - s**2), thickness, s)[0] for s in (0.3, 0.6, 0.9)]
    assert 7.0 < widths[0] < widths[1] < widths[2] and widths[2] > 1.8 * 7.0


def _ring_widths(level: float, seeds: range) -> tuple[float, float, float]:
    """Mean skull width at the temples, the forehead and the occiput, over heads at `level`."""
    temples, front, back = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        frame = sample_frame(rng, 256, level)
        width = skull_thickness_mm(frame, level, rng)
        theta = frame.theta
        temples.append(width[np.cos(theta) ** 2 > 0.95].mean())
        front.append(width[np.sin(theta) > 0.97].mean())
        back.append(width[np.sin(theta) < -0.97].mean())
    return float(np.mean(temples)), float(np.mean(front)), float(np.mean(back))


def test_the_squama_is_thin_the_occiput_thick_and_the_vertex_cut_wide():
    temples, front, back = _ring_widths(0.3, range(20))
    assert temples < 0.7 * front and back > front
    assert 2.0 < temples < 5.0 and 5.0 < front < 12.0
    # Above the squama the temples are vault; near the vertex the slanted cut widens every side.
    high_temples, high_front, _ = _ring_widths(0.9, range(20))
    assert high_temples > 1.5 * temples and high_front > 1.2 * front


def test_the_default_phantom_does_not_change_with_the_new_source():
    old, new = generate_phantom(5, matrix=256), generate_phantom(5, matrix=256, ct_physics=True)
    again = generate_phantom(5, matrix=256)
    np.testing.assert_array_equal(old.hu, again.hu)
    assert not np.array_equal(old.hu, new.hu)
    # The labels come before the new draws, so the same head and bleeds are drawn.
    assert old.labels == new.labels and old.level == new.level


def test_ct_phantoms_keep_masks_on_blood_and_store_integer_hu():
    over_bone = []
    for seed in range(16):
        phantom = generate_phantom(seed, matrix=256, ct_physics=True)
        assert phantom.hu.min() >= -1024 and phantom.hu.max() <= 3071
        assert np.array_equal(phantom.hu, np.round(phantom.hu))  # integer HU, as scanners store
        if phantom.positive:
            assert 45 <= np.median(phantom.hu[phantom.mask]) <= 100
            over_bone.append(((phantom.hu > 200) & phantom.mask).mean() / phantom.mask.mean())
    # Only the partial volume of bone next to an extra-axial bleed lies under the mask (8 % on the default phantoms).
    assert len(over_bone) >= 5 and np.mean(over_bone) < 0.15


def test_the_source_is_parsed_described_and_exported():
    mix = parse_source_mix("procedural_ct=0.7,procedural=0.3")
    assert mix == {PROCEDURAL_CT: 0.7, PROCEDURAL: 0.3}
    assert "training.scanner" in describe_mix(mix)["procedural_ct"]["source"]
    assert "procedural_ct" not in describe_mix({PROCEDURAL: 1.0})
    forms = set()
    for index in range(8):
        record = source_record(PROCEDURAL_CT, np.random.SeedSequence([3, index]), f"p{index}", exported=True)
        assert record.mask.shape == record.hu.shape and record.patient_id == f"p{index}"
        forms.add(record.form)
    assert forms <= {HU_FORM, BRAIN_WINDOW_FORM} and len(forms) == 2


def test_mixed_sets_with_the_new_source_are_written_and_built(tmp_path):
    mix = {PROCEDURAL_CT: 0.5, PROCEDURAL: 0.5}
    assert write_phantom_shards(6, 6, tmp_path, "train", ShardSpec(), 0.5, workers=1, mix=mix).count == 6
    assert build_arrays(6, 6, workers=1, mix=mix).images.shape[0] == 6


def test_the_contact_sheet_pairs_each_procedural_phantom_with_its_ct_twin():
    from training.contact_sheet import TILE, _ct_tile, paired_rows
    from training.phantoms.generator import phantom_seeds

    rows = paired_rows(phantom_seeds(7, 2), 2, _ct_tile)
    assert [row.shape for row in rows] == [(TILE, 2 * TILE, 3)] * 2
    assert not np.array_equal(rows[0], rows[1])
