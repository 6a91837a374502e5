"""Seeded byte mutations of a valid NIfTI (mostly in the header): a volume or a 4xx error, never a crash.

This found io_orientation's NaN axes and ornt_transform's ValueError on near-degenerate affines, and an
OverflowError from an absurd voxel offset.
"""

import numpy as np
import pytest

from app.errors import ServiceError
from app.pipeline.decode.nifti import read_nifti
from app.pipeline.decode.nifti_volume import to_display
from tests.app.nifti_files import display_image, nifti_bytes

MUTANTS = 800
HEADER_BYTES = 352


@pytest.mark.parametrize("gz", [False, True], ids=["nii", "nii.gz"])
def test_mutated_volumes_load_or_are_refused(gz):
    original = nifti_bytes(display_image(np.full((3, 16, 16), 30), (0.5, 0.5, 5.0)), gz=gz)
    rng = np.random.default_rng(7 + gz)
    outcomes = set()
    for _ in range(MUTANTS):
        mutant = bytearray(original)
        for _ in range(rng.integers(1, 4)):
            in_header = rng.random() < 0.9
            mutant[rng.integers(0, min(HEADER_BYTES, len(mutant)) if in_header else len(mutant))] = rng.integers(0, 256)
        try:
            slices = to_display(read_nifti(bytes(mutant), 10**6), 64, 10**5)
        except ServiceError as e:
            assert 400 <= e.status_code < 500
            outcomes.add("refused")
        else:
            assert slices.hu.ndim == 3 and np.isfinite(slices.hu).all()
            outcomes.add("loaded")
    assert outcomes == {"loaded", "refused"}
