import numpy as np
import pytest

from training.phantoms import generate_phantom
from training.phantoms.anatomy import Tissue, build_anatomy
from training.phantoms.generator import generate_batch
from training.phantoms.head_frame import sample_frame
from training.phantoms.lesions import SUBTYPES
from training.phantoms.rendering import tissue_hu


@pytest.fixture(scope="module")
def batch():
    return generate_batch(base_seed=101, count=60)


def test_same_seed_gives_same_phantom():
    a, b = generate_phantom(42), generate_phantom(42)
    np.testing.assert_array_equal(a.hu, b.hu)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert a.labels == b.labels


def test_different_seeds_differ():
    assert not np.array_equal(generate_phantom(1, matrix=256).hu, generate_phantom(2, matrix=256).hu)


@pytest.mark.parametrize("matrix", [256, 512])
def test_matrix_sizes(matrix):
    phantom = generate_phantom(3, matrix=matrix)
    assert phantom.hu.shape == phantom.mask.shape == (matrix, matrix)
    assert phantom.hu.dtype == np.float32


def test_air_outside_and_cortical_bone_in_skull(batch):
    for phantom in batch:
        corner = phantom.hu[:8, :8]
        assert corner.mean() < -950  # air at the corners of the field of view
        assert 700 <= np.percentile(phantom.hu, 99.5) <= 2100  # cortical bone present, not beyond it


def test_tissue_densities_match_head_ct():
    rng = np.random.default_rng(0)
    frame = sample_frame(rng, 256, level=0.5)
    anatomy = build_anatomy(frame, rng, 0.5)
    hu = tissue_hu(anatomy.labels, rng)
    white = np.median(hu[anatomy.labels == Tissue.WHITE_MATTER])
    gray = np.median(hu[anatomy.labels == Tissue.GRAY_MATTER])
    csf = np.median(hu[anatomy.labels == Tissue.VENTRICLE])
    assert 22 <= white <= 30
    assert 35 <= gray <= 45
    assert 0 <= csf <= 15
    assert (anatomy.labels == Tissue.FALX).any()


def test_masks_cover_blood_density(batch):
    positives = [p for p in batch if p.positive]
    assert len(positives) >= 15
    for phantom in positives:
        # Blood is 50-90 HU before blur and noise; the mask's median must sit in that band.
        assert 45 <= np.median(phantom.hu[phantom.mask]) <= 95, phantom.labels


def test_labels_agree_with_masks(batch):
    for phantom in batch:
        assert phantom.positive == any(phantom.labels.values())
        assert set(phantom.labels) == set(SUBTYPES)


def test_every_subtype_occurs():
    seen = set()
    for index in range(80):
        phantom = generate_phantom(np.random.SeedSequence([7, index]), matrix=256, positive=True)
        seen |= {s for s, present in phantom.labels.items() if present}
    assert seen == set(SUBTYPES)


def test_negatives_have_hyperdense_confounders_but_empty_masks():
    hyperdense_negatives = 0
    for index in range(30):
        phantom = generate_phantom(np.random.SeedSequence([9, index]), matrix=256, positive=False)
        assert not phantom.mask.any()
        inside = phantom.hu[96:160, 96:160]  # the brain's centre: calcifications, no skull
        hyperdense_negatives += bool((inside > 100).any())
    assert hyperdense_negatives >= 3


def test_about_half_are_positive(batch):
    share = np.mean([p.positive for p in batch])
    assert 0.3 <= share <= 0.7
