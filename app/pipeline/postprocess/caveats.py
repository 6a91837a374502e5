"""Warnings that travel with every answer: what about the input or the answer makes it less trustworthy.

Each is a code, a message for people and, for scans, the slice indices it concerns. Nothing here is silent:
a slice the service will not score, an 8-bit export, a window it was not built for, compression, contrast, a body
part that is not a head, and models that disagree all say so.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.pipeline.postprocess.slice_checks import SliceChecks
from core import raster
from core.slice_assessment import NO_SKULL, REASONS

NOT_HEAD_SLICE = "not_head_slice"
LEVEL_NOT_ASSESSED = "level_not_assessed"
NOT_BRAIN_WINDOW = "not_brain_window"
EIGHT_BIT_EXPORT = "eight_bit_export"
HEAVY_COMPRESSION = "heavy_compression"
LOSSY_COMPRESSION = "lossy_compression"
CONTRAST_ENHANCED = "contrast_enhanced"
NOT_HEAD_BODY_PART = "not_head_body_part"
MODELS_DISAGREE = "models_disagree"
# Under IJG quality 70 the 8x8 block steps reach several grey levels, as large as a thin bleed's contrast
# over brain in a 40/80 window (3 grey levels per HU).
MIN_JPEG_QUALITY = 70
# BodyPartExamined values (or parts of them) that mean a head; anything else is said, not refused.
HEAD_BODY_PARTS = ("HEAD", "BRAIN", "SKULL", "CRAN", "NEURO", "BASE")


@dataclass(frozen=True)
class Caveat:
    code: str
    message: str
    slices: list[int] | None = None  # scans: the slices concerned; None for a lone slice or the whole input


@dataclass(frozen=True)
class InputFacts:
    """What the file itself says, beyond its pixels."""

    interpretation: str  # "hu" or "brain_window_8bit"
    lossy: bool = False
    jpeg_quality: int | None = None
    body_part: str | None = None
    contrast_agent: bool = False


def _where(flags: Sequence[bool], lone: bool) -> list[int] | None:
    return None if lone else [i for i, flag in enumerate(flags) if flag]


def _per_slice(checks: Sequence[SliceChecks], lone: bool) -> list[Caveat]:
    found = []
    no_skull = [c.assessment.reason == NO_SKULL for c in checks]
    if any(no_skull):
        found.append(Caveat(NOT_HEAD_SLICE, f"not assessed: {REASONS[NO_SKULL]}", _where(no_skull, lone)))
    for reason in sorted({c.assessment.reason for c in checks} - {None, NO_SKULL}):
        flags = [c.assessment.reason == reason for c in checks]
        message = f"level not assessed, not scored and left out of the scan answer and volume: {REASONS[reason]}"
        found.append(Caveat(LEVEL_NOT_ASSESSED, message, _where(flags, lone)))
    for problem in sorted({c.window_problem for c in checks} - {None}):
        flags = [c.window_problem == problem for c in checks]
        message = f"not a brain window (40/80): {problem}; export the brain window, or send DICOM"
        found.append(Caveat(NOT_BRAIN_WINDOW, message, _where(flags, lone)))
    disagree = [not c.models_agree for c in checks]
    if any(disagree):
        message = (
            "the classifier and the segmenter disagree: a sizeable mask on a slice the classifier does not flag "
            "(withheld from the answer's mask and volume; see withheld_area_pixels), or a flag with no mask"
        )
        found.append(Caveat(MODELS_DISAGREE, message, _where(disagree, lone)))
    return found


def _contrast(facts: InputFacts, checks: Sequence[SliceChecks], lone: bool) -> Caveat | None:
    message = "contrast-enhanced scan: the models were built for non-contrast CT, where enhancement can look like blood"
    if facts.contrast_agent:
        return Caveat(CONTRAST_ENHANCED, f"{message} (DICOM ContrastBolusAgent is set)")
    flags = [c.contrast for c in checks]
    if any(flags):
        return Caveat(CONTRAST_ENHANCED, f"{message} (vessels over 130 HU inside the head)", _where(flags, lone))
    return None


def _file_caveats(facts: InputFacts) -> list[Caveat]:
    found = []
    if facts.interpretation == raster.BRAIN_WINDOW_FORM:
        # Only the window's 0-80 HU survive, where the inner table's partial volume and a thin bleed look alike;
        # the cards measure the models far weaker there (held-out `exported_8bit`, the real scan's `real_ct`).
        message = (
            "an 8-bit display export, read as the 40/80 brain window: measured on phantoms and on a real scan, the "
            "models are much less reliable on these than on HU input (DICOM, NIfTI, 16-bit PNG), with many more "
            "false flags; send the DICOM where you can (GET /v1/models: exported_8bit and real_ct)"
        )
        found.append(Caveat(EIGHT_BIT_EXPORT, message))
    if facts.lossy:
        found.append(Caveat(LOSSY_COMPRESSION, "the DICOM says it was irreversibly (lossy) compressed"))
    if facts.jpeg_quality is not None and facts.jpeg_quality < MIN_JPEG_QUALITY:
        message = (
            f"heavy JPEG compression (quality ~{facts.jpeg_quality}): block artefacts can hide or mimic thin bleeds"
        )
        found.append(Caveat(HEAVY_COMPRESSION, message))
    if facts.body_part and not any(part in facts.body_part for part in HEAD_BODY_PARTS):
        message = "DICOM BodyPartExamined is not a head" + (
            f" ({facts.body_part})" if facts.body_part.replace(" ", "").isalnum() else ""
        )
        found.append(Caveat(NOT_HEAD_BODY_PART, message))
    return found


def collect_caveats(facts: InputFacts, checks: Sequence[SliceChecks], lone: bool = False) -> list[Caveat]:
    """Every warning for one answer: file facts first, then per-slice findings. `lone`: a single-slice answer."""
    found = _file_caveats(facts) + _per_slice(checks, lone)
    contrast = _contrast(facts, checks, lone)
    return found + ([contrast] if contrast else [])
