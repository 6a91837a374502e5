"""Response bodies; their field descriptions become the OpenAPI documentation."""

from pydantic import BaseModel, Field

NOTICE = "Research prototype trained on synthetic phantoms. Not for clinical use."


class ModelRef(BaseModel):
    name: str
    version: int


def model_refs(models) -> list[ModelRef]:
    """The name and version of each model that produced an answer (LoadedModels.versions)."""
    return [ModelRef(name=v.name, version=v.version) for v in models.versions]


class AnswerWarning(BaseModel):
    code: str = Field(
        description="eight_bit_export, not_head_slice, level_not_assessed, not_brain_window, heavy_compression, "
        "lossy_compression, contrast_enhanced, not_head_body_part or models_disagree"
    )
    message: str = Field(description="what is wrong and what it means for the answer")
    slices: list[int] | None = Field(None, description="series: the slice indices concerned; null for the whole input")


class InputInfo(BaseModel):
    format: str = Field(description="detected from the bytes: png, jpeg, dicom")
    interpretation: str = Field(description="brain_window_8bit (only 0..80 HU survive) or hu")
    height: int
    width: int
    uids: dict[str, str] = Field(
        default_factory=dict,
        description="DICOM Study/Series/SOP Instance UIDs, so callers can match results to images; no patient data",
    )


class PredictResponse(BaseModel):
    probability: float = Field(
        description="P(any intracranial hemorrhage) for the slice; calibrated when the classifier card says (calibrated)"
    )
    hemorrhage: bool = Field(description="probability >= threshold on an assessed slice; always false if not assessed")
    threshold: float = Field(
        description="operating threshold, chosen on validation data (see the classifier card), on the calibrated scale"
    )
    calibrated: bool = Field(description="probabilities were mapped by the card's calibration (temperature scaling)")
    assessed: bool = Field(
        description="the slice holds enough brain for the models: false for vertex caps, levels through or below the "
        "skull base, and images without a skull ring; then the mask is empty and hemorrhage false"
    )
    not_assessed_reason: str | None = Field(description="vertex, skull_base or no_skull; null when assessed")
    models_agree: bool = Field(
        description="false when the classifier says no but the segmenter's (withheld) outline is sizeable, or says yes "
        "with no mask"
    )
    warnings: list[AnswerWarning] = Field(description="everything that makes this answer less trustworthy")
    subtypes: dict[str, float] = Field(description="P(each hemorrhage subtype), multi-label")
    mask_png_base64: str = Field(
        description="hemorrhage mask, 1-bit PNG (white = hemorrhage; 0/255 once decoded to 8 bits), at the input's own "
        "resolution, confined to the intracranial space; empty unless hemorrhage is true (the mask outlines the "
        "classifier's finding)"
    )
    area_pixels: int = Field(description="pixels in the mask")
    withheld_area_pixels: int = Field(
        0,
        description="pixels the segmenter outlined on a slice the classifier does not flag, withheld from the mask; "
        "a sizeable area also sets models_agree false",
    )
    withheld_mask_png_base64: str | None = Field(
        None, description="that withheld outline, a 1-bit PNG like mask_png_base64; null when nothing was withheld"
    )
    area_mm2: float | None = Field(description="mask area in mm², when the input carries pixel spacing")
    dice: float | None = Field(
        description="Dice of the mask against reference_mask; null when none was sent. Two empty masks give 1.0."
    )
    models: list[ModelRef]
    input: InputInfo
    timings_ms: dict[str, float] = Field(description="wall time per pipeline stage")
    notice: str = NOTICE


class ModelCards(BaseModel):
    models: list[dict] = Field(description="the model card of each served model version")


class Health(BaseModel):
    status: str
    detail: str | None = None


class ReloadResult(BaseModel):
    models: list[ModelRef] = Field(description="the versions now serving")


class ServiceInfo(BaseModel):
    device: str = Field(description="where the models run: gpu or cpu")
    runtime: dict = Field(description="Inference set-up: engine, device, precisions, and the engine's own settings")
    models: list[ModelRef]
    notice: str = NOTICE
