"""Atlas head phantoms (training.atlas) as a dataset source, mixed with the procedural phantoms in a
recorded proportion (`--source-mix atlas=0.7,procedural=0.3`)."""

import numpy as np

from training.atlas import generate_slice
from training.atlas.volume import LEVEL_DISTRIBUTION, POSITIVE_FRACTION, THICKNESS_MM
from training.datasets.records import SliceRecord
from training.scanner import EXPORT_FORM_WEIGHTS, simulate_export_with_mask

ATLAS, PROCEDURAL = "atlas", "procedural"
SOURCES = (ATLAS, PROCEDURAL)
ALL_PROCEDURAL = {PROCEDURAL: 1.0}
ATLAS_CREDIT = (
    "Rorden C et al., Age-specific CT and MRI templates for spatial normalization, NeuroImage 2012;61:957-965; "
    "average head CT and tissue maps, BSD 2-Clause (training/atlas/data/LICENSE)"
)


def parse_source_mix(text: str) -> dict[str, float]:
    """'atlas=0.7,procedural=0.3' -> {'atlas': 0.7, 'procedural': 0.3}; shares must sum to 1."""
    mix = {}
    for part in text.split(","):
        name, _, share = part.partition("=")
        name = name.strip()
        if name not in SOURCES:
            raise ValueError(f"unknown phantom source {name!r}; choose from {', '.join(SOURCES)}")
        try:
            mix[name] = float(share)
        except ValueError:
            raise ValueError(f"source {name!r} needs a share, as in {name}=0.5") from None
        if not 0.0 <= mix[name] <= 1.0:
            raise ValueError(f"source {name!r} share {mix[name]} is outside 0..1")
    if abs(sum(mix.values()) - 1.0) > 1e-6:
        raise ValueError(f"source shares sum to {sum(mix.values()):g}, not 1")
    return mix


def choose_sources(base_seed: int, count: int, mix: dict[str, float]) -> list[str]:
    """Which source each phantom of a set comes from: fixed by the set's seed."""
    names = list(mix)
    picks = np.random.default_rng([base_seed, 997]).choice(len(names), size=count, p=[mix[n] for n in names])
    return [names[i] for i in picks]


def atlas_record(seed: np.random.SeedSequence, patient_id: str, exported: bool = False) -> SliceRecord:
    """One atlas slice as its own patient; optionally through a simulated export (training.scanner:
    DICOM/PNG/NIfTI round-off or a viewer's 8-bit window, PNG or JPEG), the mask following it."""
    record = generate_slice(seed)
    record.patient_id = patient_id
    if exported:
        rng = np.random.default_rng(seed.spawn(1)[0])
        hu, mask, form = simulate_export_with_mask(record.hu, record.mask, rng)
        record.hu, record.mask, record.form = hu.astype(np.float32), mask.astype(bool), form
    return record


def describe_mix(mix: dict[str, float]) -> dict:
    """The mix and what the atlas source draws from, for the model card."""
    description = {"source_mix": mix}
    if mix.get(ATLAS, 0.0) > 0:
        description["atlas"] = {
            "source": "3-D atlas head phantoms (training.atlas)",
            "credit": ATLAS_CREDIT,
            "slice_thickness_mm": list(THICKNESS_MM),
            "levels": LEVEL_DISTRIBUTION,
            "positive_fraction": POSITIVE_FRACTION,
            "export_forms": EXPORT_FORM_WEIGHTS,
        }
    return description
