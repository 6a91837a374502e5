"""Synthetic phantoms as a dataset, so that evaluation runs the same path on phantoms as on real data."""

from collections.abc import Iterator

from core.windowing import as_brain_window_export
from training.datasets.records import ANY, BRAIN_WINDOW_FORM, HU_FORM, SliceRecord
from training.phantoms.generator import generate_phantom, phantom_seeds

# The phantoms model 5 mm axial slices (training.phantoms.lesions.MIN_AREA_MM2).
PHANTOM_THICKNESS_MM = 5.0


def phantom_record(phantom_seed, patient_id: str, brain_window: bool = False, ct_physics: bool = False) -> SliceRecord:
    """One phantom slice as its own patient; optionally sent through the 8-bit brain-window
    export that JPG and PNG datasets go through. `ct_physics`: training.phantoms.generator's."""
    phantom = generate_phantom(phantom_seed, ct_physics=ct_physics)
    hu = as_brain_window_export(phantom.hu) if brain_window else phantom.hu
    return SliceRecord(
        hu=hu,
        mask=phantom.mask,
        labels={ANY: phantom.positive, **phantom.labels},
        patient_id=patient_id,
        slice_index=0,
        spacing_mm=(phantom.spacing_mm, phantom.spacing_mm, PHANTOM_THICKNESS_MM),
        form=BRAIN_WINDOW_FORM if brain_window else HU_FORM,
    )


def load_phantoms(count: int, seed: int, brain_window: bool = False) -> Iterator[SliceRecord]:
    """`count` independent phantom slices, each its own patient."""
    for index, phantom_seed in enumerate(phantom_seeds(seed, count)):
        yield phantom_record(phantom_seed, f"phantom-{seed}-{index:05d}", brain_window)
