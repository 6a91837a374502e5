"""Seeded byte mutations of valid DICOM files: every outcome is a decoded slice or a 4xx service error, never a crash.

This found pylibjpeg-rle's Rust panic (a BaseException) on corrupt RLE segments.
"""

import numpy as np
import pytest
from pydicom import uid

from app.errors import ServiceError
from app.pipeline.decode.dicom import read_dicom_slice
from tests.app.dicom_files import block_slice, ct_bytes

SYNTAXES = [
    uid.ExplicitVRLittleEndian,
    uid.DeflatedExplicitVRLittleEndian,
    uid.RLELossless,
    uid.JPEGLosslessSV1,
    uid.JPEGLSLossless,
    uid.JPEG2000Lossless,
]
MUTANTS = 150


@pytest.mark.parametrize("syntax", SYNTAXES, ids=lambda syntax: uid.UID(syntax).keyword)
def test_mutated_files_decode_or_are_refused(syntax):
    original = ct_bytes(block_slice(32), syntax)
    rng = np.random.default_rng(SYNTAXES.index(syntax))
    refused = 0
    for _ in range(MUTANTS):
        mutant = bytearray(original)
        for position in rng.integers(128, len(mutant), size=rng.integers(1, 6)):
            mutant[position] = rng.integers(0, 256)
        try:
            decoded = read_dicom_slice(bytes(mutant), 1024 * 1024)
        except ServiceError as e:
            assert 400 <= e.status_code < 500
            refused += 1
        else:
            assert decoded.hu.shape == (32, 32) and decoded.hu.dtype == np.float32
    assert 0 < refused < MUTANTS  # the mutations reach both outcomes
