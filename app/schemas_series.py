"""Response bodies of the series (DICOM) and volume (NIfTI) endpoints; descriptions become the OpenAPI docs."""

from pydantic import BaseModel, Field

from app.pipeline.volume_pipeline import SCAN_RULE
from app.schemas import NOTICE, ModelRef


class SeriesSlice(BaseModel):
    index: int = Field(description="slice position in the answer: DICOM sorted along the slice normal, NIfTI as stored")
    upload_index: int | None = Field(None, description="DICOM: which of the uploaded files this slice is")
    sop_instance_uid: str | None = Field(None, description="DICOM SOPInstanceUID of the slice")
    position_mm: float | None = Field(None, description="DICOM: position along the slice normal, mm")
    probability: float = Field(description="P(any intracranial hemorrhage) for the slice")
    flagged: bool = Field(description="probability >= threshold")
    subtypes: dict[str, float] = Field(description="P(each hemorrhage subtype), multi-label")
    area_pixels: int = Field(description="pixels in the slice's mask")
    area_mm2: float | None = Field(description="mask area in mm², when the input carries pixel spacing")
    dice: float | None = Field(None, description="Dice of this slice's mask against the reference slice, if sent")
    mask_png_base64: str | None = Field(
        None, description="DICOM: the slice's mask, 1-bit PNG (0/255 once decoded) at the slice's own size (NIfTI: see mask_nifti_base64)"
    )


class SeriesInput(BaseModel):
    format: str = Field(description="dicom or nifti, detected from the bytes")
    slices: int
    rows: int
    columns: int
    pixel_spacing_mm: list[float] | None = Field(description="(between rows, between columns)")
    slice_spacing_mm: float | None = Field(description="median distance between slice planes")
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    lossy: bool = Field(False, description="DICOM says it was irreversibly compressed: results may be less reliable")


class SeriesResponse(BaseModel):
    probability: float = Field(description=f"scan-level P(any hemorrhage): {SCAN_RULE}")
    scan_rule: str = SCAN_RULE
    hemorrhage: bool = Field(description="probability >= threshold")
    threshold: float = Field(description="slice-level operating threshold from the classifier card (or settings)")
    subtypes: dict[str, float] = Field(description="scan-level P(each subtype): max over slices")
    most_suspicious_slice: int = Field(description="index of the slice with the highest P(any)")
    flagged_slices: list[int] = Field(description="indices of slices with P(any) >= threshold")
    bleed_volume_ml: float | None = Field(
        description="sum over slices of mask area x slice spacing, in mL; null without pixel or slice spacing"
    )
    dice: float | None = Field(description="Dice over the whole volume against the reference, if sent")
    slices: list[SeriesSlice]
    mask_nifti_base64: str | None = Field(
        None, description="NIfTI input: the mask volume (.nii.gz, uint8 0/1) on the input's grid with its affine"
    )
    montage_png_base64: str | None = Field(None, description="with ?montage=true: overlays of the flagged slices")
    models: list[ModelRef]
    input: SeriesInput
    timings_ms: dict[str, float] = Field(description="wall time per stage, summed over chunks")
    notice: str = NOTICE
