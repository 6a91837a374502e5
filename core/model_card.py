"""The model card: the contract between training, which writes it, and serving, which reads it.

A card sits beside each SavedModel (core.model_store). It says what the model takes (input), what it returns
(output), its operating threshold and the answer policies serving applies (calibration, scan rule, assessment
limits), and what it was trained on and achieved. Both sides refuse a card that does not validate, so a model
can never be served under a contract it was not trained for. Free-form records (metrics, history, real-scan
figures) are kept as they were written.
"""

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.calibration import Calibration
from core.model_input import NO_CONFINEMENT, SKULL_BAND_MM, Confinement
from core.scan_decision import ScanRule
from core.slice_assessment import AssessmentLimits
from core.windowing import WINDOWS

NOTICE = "Research prototype trained on synthetic phantoms. Not for clinical use."
CLASSIFIER_OUTPUT, SEGMENTER_OUTPUT = "probabilities", "mask"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WindowChannel(_Strict):
    slice_offset: int = 0
    window: str
    center: float
    width: float = Field(gt=0)


class InputSpec(_Strict):
    shape: tuple[None, int, int, int]
    dtype: Literal["float32"]
    layout: Literal["NHWC"]
    context_slices: int = Field(0, ge=0)
    confinement: Confinement = NO_CONFINEMENT  # core.model_input: what of the slice the model sees
    channels: list[WindowChannel]
    preprocessing: str
    brain_window_inputs: str

    @model_validator(mode="after")
    def _channels_fill_the_shape(self) -> "InputSpec":
        if min(self.shape[1:]) < 1:
            raise ValueError(f"input shape {list(self.shape)} has an empty dimension")
        if self.shape[3] != len(self.channels):
            raise ValueError(f"input shape has {self.shape[3]} channels but {len(self.channels)} are described")
        offsets = {channel.slice_offset for channel in self.channels}
        if offsets != set(range(-self.context_slices, self.context_slices + 1)):
            raise ValueError(
                f"channel slice offsets {sorted(offsets)} do not match context_slices={self.context_slices}"
            )
        return self

    @property
    def size(self) -> tuple[int, int]:
        return self.shape[1], self.shape[2]

    @property
    def channel_count(self) -> int:
        return self.shape[3]


PREPROCESSING = (
    "HU resized to the model size (area averaging when shrinking, bilinear when enlarging), "
    "then each window maps [center - width/2, center + width/2] HU linearly to [0, 1], clipped. "
    "Implemented once in core.model_input.to_model_input. With context_slices = k > 0 (2.5D) the "
    "k slices above and below are stacked the same way, top first; at the ends of a stack the edge "
    "slice repeats (core.model_input.slice_with_context)."
)
CONFINED = {
    "intracranial": " Before windowing, everything outside the intracranial space (core.intracranial, found on the resized"
    " slice) is set to air, or to 0 HU for an 8-bit brain-window export (core.model_input.confine).",
    "cranium": " Before windowing, everything but the intracranial space (core.intracranial, found on the resized slice)"
    f" and the bone within {SKULL_BAND_MM:g} mm of it (the skull) is set to air, or to 0 HU for an 8-bit brain-window export"
    " (core.model_input.confine).",
}
BRAIN_WINDOW_INPUTS = "8-bit brain-window images are mapped back to 0..80 HU (core.windowing.brain_window_to_hu)"


def input_spec(size: tuple[int, int], context_slices: int = 0, confinement: Confinement = NO_CONFINEMENT) -> InputSpec:
    """The input every model of this project takes: the windows of core.windowing at `size`, per slice offset."""
    confined = {} if confinement == NO_CONFINEMENT else {"confinement": confinement}
    offsets = range(-context_slices, context_slices + 1)
    channels = [
        WindowChannel(slice_offset=o, window=w.name, center=w.center, width=w.width) for o in offsets for w in WINDOWS
    ]
    return InputSpec(
        shape=(None, *size, len(channels)),
        dtype="float32",
        layout="NHWC",
        context_slices=context_slices,
        channels=channels,
        preprocessing=PREPROCESSING + CONFINED.get(confinement, ""),
        **confined,
        brain_window_inputs=BRAIN_WINDOW_INPUTS,
    )


class OutputSpec(_Strict):
    name: Literal["probabilities", "mask"]
    columns: list[str] | None = None  # classifier: "any" first, then the subtypes
    mask_threshold: float | None = Field(None, gt=0, lt=1)  # segmenter: P(bleed) at or above it is mask

    @model_validator(mode="after")
    def _fits_the_task(self) -> "OutputSpec":
        if self.name == CLASSIFIER_OUTPUT and (not self.columns or self.columns[0] != "any"):
            raise ValueError('a classifier output lists its columns, "any" first')
        if self.name == SEGMENTER_OUTPUT and self.mask_threshold is None:
            raise ValueError("a segmenter output states its mask_threshold")
        return self


class ModelCard(BaseModel):
    """One model version's card. Unknown top-level keys are kept (extra="allow") so that records added later
    (a site's calibration, real-scan figures) survive a read and a write."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    created: str
    notice: str = Field(min_length=1)
    framework: dict[str, str]
    task: str
    reproduce: str
    input: InputSpec
    output: OutputSpec
    threshold: float = Field(ge=0, le=1)
    training_data: dict[str, Any]
    credits: list[str] = Field(default_factory=list, description="licences and credits of the data trained on")
    metrics: dict[str, Any]
    training: dict[str, Any]
    architecture: dict[str, Any] | None = None
    operating_point: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    scan_rule: dict[str, Any] | None = None
    scan_rule_by_input: dict[Literal["hu", "brain_window_8bit"], dict[str, Any]] | None = None
    assessment: dict[str, Any] | None = None
    real_ct: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _policies_parse(self) -> "ModelCard":
        # A malformed policy is a broken card: refuse it here rather than at the first request.
        self.calibration_map, self.scan_rule_policy, self.assessment_limits  # noqa: B018
        self.input_scan_rules  # noqa: B018
        return self

    @property
    def is_classifier(self) -> bool:
        return self.output.name == CLASSIFIER_OUTPUT

    @property
    def subtype_names(self) -> list[str]:
        return list(self.output.columns or [])[1:]

    @property
    def mask_threshold(self) -> float:
        if self.output.mask_threshold is None:
            raise ValueError(f"{self.name} v{self.version} is not a segmenter: it has no mask threshold")
        return self.output.mask_threshold

    @cached_property
    def calibration_map(self) -> Calibration | None:
        return Calibration.from_card(self.as_dict())

    @cached_property
    def scan_rule_policy(self) -> ScanRule:
        return ScanRule.from_card(self.as_dict())

    @cached_property
    def input_scan_rules(self) -> dict[str, ScanRule]:
        """The rules the card chose for particular input forms."""
        card = self.as_dict()
        return {form: ScanRule.from_card(card, form) for form in self.scan_rule_by_input or {}}

    def scan_rule_for(self, form: str) -> ScanRule:
        """The rule for a scan whose slices were read as `form` (core.raster: hu or brain_window_8bit)."""
        return self.input_scan_rules.get(form, self.scan_rule_policy)

    @cached_property
    def assessment_limits(self) -> AssessmentLimits:
        return AssessmentLimits.from_card(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data: exactly the keys that were written or read, nothing added."""
        return self.model_dump(mode="json", exclude_unset=True)
