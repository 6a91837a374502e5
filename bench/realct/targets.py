"""The targets the next models must meet, computed exactly as issue 13 states them, one PASS/FAIL line each."""

from dataclasses import dataclass

# Real normal scan, as HU and in every export form.
MAX_FLAGGED_OF_108 = 2
REFERENCE_SLICES = 108
MAX_BLEED_ML = 0.5
MAX_SHARE_WITH_COMPONENT = 0.05  # slices with a mask component over 10 mm²
# Semi-real positives, per form.
MIN_AUC = 0.97
MIN_SENSITIVITY = 0.90
MIN_DICE = 0.75


@dataclass
class Check:
    form: str
    target: str
    value: object
    passed: bool

    @property
    def line(self) -> str:
        value = f"{self.value:.3f}" if isinstance(self.value, float) else self.value
        return f"{'PASS' if self.passed else 'FAIL'}  {self.form:<14} {self.target}: {value}"


def max_flagged(slices: int) -> int:
    """2 of 108, in proportion for a scan with another number of slices."""
    return int(MAX_FLAGGED_OF_108 * slices / REFERENCE_SLICES + 1e-9)


def normal_checks(figures: dict) -> list[Check]:
    form, slices = figures["form"], figures["slices"]
    volume = figures["bleed_volume_ml"]
    return [
        Check(
            form,
            "scan-level answer negative",
            "positive" if figures["scan_positive"] else "negative",
            not figures["scan_positive"],
        ),
        Check(
            form,
            f"flagged slices <= {max_flagged(slices)} of {slices}",
            figures["flagged_slices"],
            figures["flagged_slices"] <= max_flagged(slices),
        ),
        Check(form, f"predicted bleed < {MAX_BLEED_ML} mL", volume, volume is not None and volume < MAX_BLEED_ML),
        Check(
            form,
            f"slices with a mask component > 10 mm² <= {MAX_SHARE_WITH_COMPONENT:.0%}",
            figures["share_with_component_over_10mm2"],
            figures["share_with_component_over_10mm2"] <= MAX_SHARE_WITH_COMPONENT,
        ),
    ]


def semi_real_checks(form: str, figures: dict) -> list[Check]:
    def at_least(name: str, key: str, floor: float) -> Check:
        value = figures[key]
        return Check(form, f"semi-real {name} >= {floor}", value, value is not None and value >= floor)

    return [
        at_least("AUC", "auc", MIN_AUC),
        at_least("sensitivity", "sensitivity", MIN_SENSITIVITY),
        at_least("Dice", "dice", MIN_DICE),
    ]
