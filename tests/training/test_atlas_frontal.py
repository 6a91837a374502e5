"""The frontal variants: the average head's open anterior fossa closed with bone, a frontal sinus behind a thin wall,
and the brain left exactly as its older counterpart's."""

import numpy as np
import pytest
from scipy import ndimage

from training.atlas import frontal, tissues
from training.atlas.cache import variant
from training.atlas.sampling import unpack
from training.atlas.template import load_atlas
from training.datasets.atlas_phantoms import ATLAS, ATLAS_SINUS, describe_mix, source_record

FIRST = tissues.FRONTAL_VARIANTS.start


@pytest.fixture(scope="module")
def heads():
    atlas = load_atlas()
    plain, closed = (unpack(np.asarray(variant(i))) for i in (0, FIRST))
    return atlas, frontal.outside_dura_mm(atlas), plain, closed


def _front_shell(atlas, outside_dura):
    """Voxels within the plate's thickness outside the brain's dura, in front, between the plate's levels."""
    _, y, z = frontal._mni(atlas.shape)
    region = (y > frontal.ANTERIOR_MNI_Y) & (z > frontal.PLATE_MNI_Z[0]) & (z < frontal.PLATE_MNI_Z[1])
    return (outside_dura > 0) & (outside_dura <= frontal.PLATE_MM) & region & ~atlas.outside


def _boneless_share(label, shell):
    bone = label == tissues.Label.BONE
    near_bone = ndimage.distance_transform_edt(~bone) <= frontal.BONELESS_REACH_MM
    return float((~near_bone[shell]).mean())


def test_the_average_head_has_no_bone_in_front_of_parts_of_its_brain_and_the_frontal_variant_does(heads):
    atlas, outside_dura, plain, closed = heads
    shell = _front_shell(atlas, outside_dura)
    assert _boneless_share(plain[2], shell) > 0.05
    assert _boneless_share(closed[2], shell) == 0.0


def test_the_frontal_variant_keeps_its_older_counterparts_brain(heads):
    atlas, _, plain, closed = heads
    inside = atlas.intracranial
    assert np.array_equal(plain[0][inside], closed[0][inside])
    assert np.array_equal(plain[2][inside], closed[2][inside])
    assert tissues.atrophy(FIRST) == tissues.ATROPHY[0]


def test_the_sinus_is_air_in_front_of_the_brain_behind_a_wall_of_bone(heads):
    atlas, outside_dura, plain, closed = heads
    air = (closed[2] == tissues.Label.AIR) & ~atlas.outside & (plain[2] != tissues.Label.AIR)
    assert air.sum() > 1000  # cm³ scale, not a speck
    _, y, _ = frontal._mni(atlas.shape)
    assert y[0, :, 0][np.nonzero(air.any(axis=(0, 2)))[0]].min() > frontal.ANTERIOR_SINUS_MNI_Y
    assert outside_dura[air].min() > frontal.WALL_MM[0]
    # No sinus air touches the brain or the outside: bone walls it in.
    grown = ndimage.binary_dilation(air)
    assert not (grown & atlas.intracranial).any()
    assert not (grown & atlas.outside).any()


def test_only_the_atlas_sinus_source_draws_the_frontal_variants():
    sinus = [source_record(ATLAS_SINUS, np.random.SeedSequence([6, i]), f"p{i}") for i in range(6)]
    older = [source_record(ATLAS, np.random.SeedSequence([6, i]), f"p{i}") for i in range(6)]
    assert {r.extra["anatomy_variant"] for r in sinus} <= set(tissues.FRONTAL_VARIANTS)
    assert {r.extra["anatomy_variant"] for r in older} <= set(range(tissues.OLDER_VARIANTS))
    assert {r.extra["source"] for r in sinus} == {ATLAS_SINUS}
    card = describe_mix({ATLAS_SINUS: 0.5, ATLAS: 0.5})
    assert card[ATLAS_SINUS]["front_of_skull"]["sinus_depth_mm"] == list(frontal.SINUS_DEPTH_MM)
    assert "front_of_skull" not in card[ATLAS]
    assert card[ATLAS_SINUS]["anatomy_atrophy"] == card[ATLAS]["anatomy_atrophy"]
