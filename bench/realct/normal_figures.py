"""Figures for a real normal scan in one form, read from the service's answer: per slice and for the scan."""

import numpy as np

from bench.realct.anatomy import LEVELS, LOCATIONS, SliceAnatomy, locate_components
from bench.realct.serving import FormRun

# A mask component this large is a finding a reader would look at, not speckle.
COMPONENT_MM2 = 10.0
MM3_PER_ML = 1000.0


def plain(value):
    """An answer field as JSON-ready data, whether it is a string, a pydantic model or a list of them."""
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _codes(items) -> list[str]:
    """Warning codes from the answer's `warnings`, whatever shape they take (dicts or models)."""
    codes = []
    for item in items or []:
        code = item.get("code") if isinstance(item, dict) else getattr(item, "code", None)
        codes.append(str(code if code is not None else item))
    return codes


def slice_rows(run: FormRun, anatomy: list[SliceAnatomy], levels: list[str], slab_mm) -> list[dict]:
    pixel_mm2 = float(np.prod(run.spacing_mm)) if run.spacing_mm else 1.0
    rows = []
    for index, (answer, mask, place, level) in enumerate(zip(run.answer.slices, run.masks, anatomy, levels)):
        components = locate_components(mask, place, pixel_mm2)
        rows.append(
            {
                "index": index,
                "level": level,
                "probability": answer.probability,
                "flagged": answer.flagged,
                "mask_mm2": float(mask.sum()) * pixel_mm2,
                # What the segmenter outlined on an assessed slice the classifier did not flag: not in the answer.
                "withheld_mm2": float(getattr(answer, "withheld_area_pixels", 0)) * pixel_mm2,
                "slab_mm": float(slab_mm[index]) if slab_mm is not None else None,
                "components": components,
                "largest_component_mm2": max((c["area_mm2"] for c in components), default=0.0),
                "assessed": getattr(answer, "assessed", None),
                "not_assessed_reason": getattr(answer, "not_assessed_reason", None),
                "models_agree": getattr(answer, "models_agree", None),
                "warnings": _codes(getattr(answer, "warnings", None)),
            }
        )
    return rows


def _by(rows, key, values, what) -> dict:
    return {value: what([r for r in rows if r[key] == value]) for value in values}


def scan_figures(run: FormRun, rows: list[dict]) -> dict:
    """The scan-level figures the targets read, and where the masks lie."""
    answer = run.answer
    components = [c for r in rows for c in r["components"]]
    slab = [r["slab_mm"] or 0.0 for r in rows]
    over = [r for r in rows if r["largest_component_mm2"] > COMPONENT_MM2]
    return {
        "form": run.form.name,
        "label": run.form.label,
        "route": run.route,
        "decoded_as": run.interpretations,
        "bytes_per_slice": run.bytes_per_slice,
        "matrix": list(run.masks.shape[1:]),
        "slices": len(rows),
        "scan_positive": bool(answer.hemorrhage),
        "scan_probability": float(answer.probability),
        "scan_rule": plain(getattr(answer, "scan_rule", None)),
        "threshold": float(answer.threshold),
        "flagged_slices": len(answer.flagged_slices),
        "flagged_indices": list(answer.flagged_slices),
        "bleed_volume_ml": answer.bleed_volume_ml,
        # The segmenter's own false bleed on assessed slices: the answer's masks and those it withheld.
        "all_masks_ml": sum((r["mask_mm2"] + r["withheld_mm2"]) * s for r, s in zip(rows, slab)) / MM3_PER_ML,
        "slices_with_mask": sum(r["mask_mm2"] > 0 for r in rows),
        "slices_with_withheld_mask": sum(r["withheld_mm2"] > 0 for r in rows),
        "slices_with_component_over_10mm2": len(over),
        "share_with_component_over_10mm2": len(over) / len(rows),
        "component_mm2_by_location": {
            loc: sum(c["area_mm2"] for c in components if c["location"] == loc) for loc in LOCATIONS
        },
        "components_over_10mm2_by_location": {
            loc: sum(c["area_mm2"] > COMPONENT_MM2 and c["location"] == loc for c in components) for loc in LOCATIONS
        },
        "flagged_by_level": _by(rows, "level", LEVELS, lambda rs: sum(r["flagged"] for r in rs)),
        "mask_mm2_by_level": _by(rows, "level", LEVELS, lambda rs: sum(r["mask_mm2"] for r in rs)),
        "not_assessed_slices": sum(r["assessed"] is False for r in rows),
        "models_agree": getattr(answer, "models_agree", None),
        "warnings": sorted(set(_codes(getattr(answer, "warnings", None)))),
        "seconds": round(run.seconds, 2),
    }
