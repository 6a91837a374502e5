"""Rorden's Cormack units to Hounsfield units (the inverse of clinical_h2c, after clinical_c2h.m).

Cormack units stretch the -100..+100 HU brain range tenfold so that spatial normalisation sees
grey/white contrast; the atlas is stored in them.
"""

import numpy as np

UNINTERESTING_DARK_UNITS = 900.0  # Cormack 0..900 = HU -1024..-124, one to one
INTERESTING_MID_UNITS = 200.0  # the stretched HU band's width
SCALE_RATIO = 10.0  # the band is stretched by SCALE_RATIO + 1
AIR_HU = -1024.0


def cormack_to_hu(cormack: np.ndarray) -> np.ndarray:
    """HU from Cormack units: linear below and above the stretched band, compressed inside it."""
    units = np.asarray(cormack, np.float64)
    if (units < 0).any():
        raise ValueError("Cormack units are never negative")
    shifted = units - UNINTERESTING_DARK_UNITS
    top = INTERESTING_MID_UNITS * (SCALE_RATIO + 1)
    hu = np.where(
        shifted <= 0,
        shifted,
        np.where(shifted <= top, shifted / (SCALE_RATIO + 1), shifted - top + top / (SCALE_RATIO + 1)),
    )
    return (hu + UNINTERESTING_DARK_UNITS + AIR_HU).astype(np.float32)
