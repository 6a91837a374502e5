"""Younger atlas brains (the atlas_all_ages source) and the older heads the served classifier learned, unchanged."""

import numpy as np

from training.atlas import tissues
from training.atlas.cache import variant
from training.atlas.pose import sample_head
from training.atlas.sampling import unpack
from training.datasets.atlas_phantoms import (
    ATLAS,
    ATLAS_ALL_AGES,
    PROCEDURAL,
    describe_mix,
    parse_source_mix,
    source_record,
)

TEMPLATE, YOUNGEST = 0, tissues.ATROPHY.index(min(tissues.ATROPHY))


def _csf_share(index: int, low_mm: float, high_mm: float) -> float:
    """The share of CSF among voxels this deep inside the dura."""
    _, depth, label = unpack(np.asarray(variant(index)))
    depth_mm = depth / tissues.DEPTH_STEPS_PER_MM
    band = (depth_mm > low_mm) & (depth_mm <= high_mm)
    return float((label[band] == tissues.Label.CSF).mean())


def test_young_brains_thin_the_convexity_csf_and_keep_a_film_under_the_table():
    deep = {i: _csf_share(i, 1.5, 4.0) for i in range(tissues.VARIANTS)}
    assert deep[YOUNGEST] < 0.6 * deep[TEMPLATE]
    assert all(deep[i] < deep[TEMPLATE] for i in range(tissues.OLDER_VARIANTS, tissues.VARIANTS))
    # Atrophy opens the convexity spaces, youth closes them.
    assert sorted(deep, key=deep.get) == sorted(range(tissues.VARIANTS), key=lambda i: tissues.ATROPHY[i])
    assert _csf_share(YOUNGEST, 0.0, tissues.YOUNG_RIM_MM) > 0.9 * _csf_share(TEMPLATE, 0.0, tissues.YOUNG_RIM_MM)


def test_older_heads_do_not_depend_on_the_younger_variants(monkeypatch):
    older = tissues.ATROPHY[: tissues.OLDER_VARIANTS]
    assert min(older) >= 0 > max(tissues.ATROPHY[tissues.OLDER_VARIANTS :])
    monkeypatch.setattr(tissues, "ATROPHY", older)
    monkeypatch.setattr(tissues, "VARIANTS", len(older))
    tissues._outside_brain_once.cache_clear()
    try:
        rebuilt = tissues.build_variant(TEMPLATE)
    finally:
        tissues._outside_brain_once.cache_clear()
    assert np.array_equal(rebuilt, variant(TEMPLATE))


def test_each_atlas_source_draws_its_own_anatomy():
    rngs = [np.random.default_rng(seed) for seed in range(400)]
    assert {sample_head(rng).variant for rng in rngs[:200]} == set(range(tissues.OLDER_VARIANTS))
    assert {sample_head(rng, range(tissues.VARIANTS)).variant for rng in rngs[200:]} == set(range(tissues.VARIANTS))
    records = [source_record(ATLAS_ALL_AGES, np.random.SeedSequence([5, i]), f"p{i}") for i in range(8)]
    assert max(r.extra["anatomy_variant"] for r in records) >= tissues.OLDER_VARIANTS
    older = [source_record(ATLAS, np.random.SeedSequence([5, i]), f"p{i}") for i in range(8)]
    assert max(r.extra["anatomy_variant"] for r in older) < tissues.OLDER_VARIANTS


def test_the_card_says_which_ages_a_run_drew():
    assert parse_source_mix("atlas_all_ages=0.5,procedural=0.5") == {ATLAS_ALL_AGES: 0.5, PROCEDURAL: 0.5}
    described = describe_mix({ATLAS_ALL_AGES: 0.5, PROCEDURAL: 0.5})
    assert ATLAS not in described and "Rorden" in described[ATLAS_ALL_AGES]["credit"]
    assert described[ATLAS_ALL_AGES]["anatomy_atrophy"] == list(tissues.ATROPHY)
    assert min(describe_mix({ATLAS: 1.0})[ATLAS]["anatomy_atrophy"]) >= 0
    assert "scanner" in described
