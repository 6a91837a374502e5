"""The phantom sources of a training set, mixed in a recorded proportion (`--source-mix atlas=0.7,procedural=0.3`):
atlas heads (training.atlas) of the template's age and older (atlas), of every adult age (atlas_all_ages, which adds
younger brains), or of the older ages with the front of the skull closed and a frontal sinus (atlas_sinus), procedural
phantoms (training.phantoms) and procedural phantoms with a varying skull and
training.scanner's CT physics (procedural_ct)."""

import numpy as np

from training.atlas import frontal, generate_slice
from training.atlas.tissues import FRONTAL_VARIANTS, OLDER_VARIANTS, VARIANTS, atrophy
from training.atlas.volume import LEVEL_DISTRIBUTION, POSITIVE_FRACTION, THICKNESS_MM
from training.datasets.phantoms import phantom_record
from training.datasets.records import SliceRecord
from training.phantoms.skull import VAULT_MM
from training.scanner import scanner_mix, simulate_export_with_mask

ATLAS, ATLAS_ALL_AGES, ATLAS_SINUS = "atlas", "atlas_all_ages", "atlas_sinus"
PROCEDURAL, PROCEDURAL_CT = "procedural", "procedural_ct"
SOURCES = (ATLAS, ATLAS_ALL_AGES, ATLAS_SINUS, PROCEDURAL, PROCEDURAL_CT)
# The anatomy variants (training.atlas.tissues) each atlas source draws from.
ATLAS_VARIANTS = {ATLAS: range(OLDER_VARIANTS), ATLAS_ALL_AGES: range(VARIANTS), ATLAS_SINUS: FRONTAL_VARIANTS}
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


def _simulated_export(record: SliceRecord, seed: np.random.SeedSequence) -> SliceRecord:
    """The record through a simulated export (training.scanner: DICOM/PNG/NIfTI round-off or a viewer's 8-bit
    window, PNG or JPEG), the mask following it."""
    rng = np.random.default_rng(seed.spawn(1)[0])
    hu, mask, form = simulate_export_with_mask(record.hu, record.mask, rng)
    record.hu, record.mask, record.form = hu.astype(np.float32), mask.astype(bool), form
    return record


def atlas_record(
    seed: np.random.SeedSequence, patient_id: str, exported: bool = False, source: str = ATLAS
) -> SliceRecord:
    """One slice of an atlas `source` as its own patient; optionally through a simulated export."""
    record = generate_slice(seed, variants=ATLAS_VARIANTS[source])
    record.patient_id = patient_id
    record.extra["source"] = source
    return _simulated_export(record, seed) if exported else record


def source_record(source: str, seed: np.random.SeedSequence, patient_id: str, exported: bool = False) -> SliceRecord:
    """One phantom of `source` as its own patient. Exported: procedural phantoms through the 8-bit brain window,
    atlas and procedural_ct ones through the simulated exports."""
    if source in ATLAS_VARIANTS:
        return atlas_record(seed, patient_id, exported, source)
    if source == PROCEDURAL_CT:
        record = phantom_record(seed, patient_id, ct_physics=True)
        return _simulated_export(record, seed) if exported else record
    return phantom_record(seed, patient_id, exported)


def describe_mix(mix: dict[str, float]) -> dict:
    """The mix and what the atlas and procedural_ct sources draw from, for the model card. Both pass through
    training.scanner, whose physics and export mix (read when the card is written, so a run that edits it is
    recorded as it ran) is given once."""
    description = {"source_mix": mix}
    if mix.get(PROCEDURAL_CT, 0.0) > 0:
        description["procedural_ct"] = {
            "source": "procedural phantoms (training.phantoms) with a varying skull (training.phantoms.skull) and "
            "CT physics (training.scanner.simulate_scanner)",
            "skull_vault_mm": list(VAULT_MM),
        }
    for source, variants in ATLAS_VARIANTS.items():
        if mix.get(source, 0.0) > 0:
            description[source] = {
                "source": "3-D atlas head phantoms (training.atlas)",
                "credit": ATLAS_CREDIT,
                "anatomy_atrophy": [atrophy(index) for index in variants],
                "slice_thickness_mm": list(THICKNESS_MM),
                "levels": LEVEL_DISTRIBUTION,
                "positive_fraction": POSITIVE_FRACTION,
            }
            if source == ATLAS_SINUS:
                description[source]["front_of_skull"] = frontal.describe_ranges()
    if any(mix.get(source, 0.0) > 0 for source in (PROCEDURAL_CT, *ATLAS_VARIANTS)):
        description["scanner"] = scanner_mix()
    return description
