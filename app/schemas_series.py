"""Response bodies of the series (DICOM) and volume (NIfTI) endpoints; descriptions become the OpenAPI docs."""

from pydantic import BaseModel, Field

from app.schemas import NOTICE, AnswerWarning, ModelRef


class SeriesSlice(BaseModel):
    index: int = Field(description="slice position in the answer: DICOM sorted along the slice normal, NIfTI as stored")
    upload_index: int | None = Field(None, description="DICOM: which of the uploaded files this slice is")
    sop_instance_uid: str | None = Field(None, description="DICOM SOPInstanceUID of the slice")
    position_mm: float | None = Field(None, description="DICOM: position along the slice normal, mm")
    probability: float | None = Field(
        description="P(any intracranial hemorrhage) for the slice (calibrated when the card says); null when not assessed"
    )
    flagged: bool = Field(description="assessed and probability >= threshold")
    assessed: bool = Field(
        description="the slice holds enough brain for the models; slices not assessed (vertex caps, levels through or "
        "below the skull base, no skull) have no probability, an empty mask, and count for neither the rule nor the volume"
    )
    not_assessed_reason: str | None = Field(
        None,
        description="vertex, skull_base, off_cranium (across a series: walled-in space beside the cranium of the "
        "other slices, the face or neck) or no_skull; null when assessed",
    )
    models_agree: bool = Field(
        True,
        description="false when the classifier says no but the segmenter's (withheld) outline is sizeable, or says yes "
        "with no mask",
    )
    subtypes: dict[str, float] = Field(description="P(each hemorrhage subtype), multi-label; empty when not assessed")
    area_pixels: int = Field(
        description="pixels in the slice's mask, confined to the intracranial space; 0 unless the slice is flagged"
    )
    withheld_area_pixels: int = Field(
        0,
        description="pixels the segmenter outlined on an assessed slice that is not flagged, withheld from the mask "
        "and the volume; a sizeable area also sets models_agree false",
    )
    withheld_mask_png_base64: str | None = Field(
        None,
        description="DICOM and image stacks, with withheld_masks=true: that withheld outline as a 1-bit PNG like "
        "mask_png_base64; null where nothing was withheld",
    )
    area_mm2: float | None = Field(description="mask area in mm², when the input carries pixel spacing")
    dice: float | None = Field(None, description="Dice of this slice's mask against the reference slice, if sent")
    mask_png_base64: str | None = Field(
        None,
        description="DICOM: the slice's mask, 1-bit PNG (0/255 once decoded) at the slice's own size (NIfTI: see mask_nifti_base64)",
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


class ScanRuleInfo(BaseModel):
    text: str = Field(description="the rule in words")
    min_run: int = Field(description="neighbouring flagged assessed slices that make a scan positive")
    min_volume_ml: float | None = Field(description="predicted bleed volume that makes a scan positive; null = off")
    run_threshold: float | None = Field(
        None, description="P(any) a slice needs to count towards min_run; null = the slice-level threshold"
    )
    chosen_on: str = Field(description="where the parameters come from: the card's validation volumes, or the default")
    validation_sensitivity: float | None = Field(
        None,
        description="scan-level sensitivity on the volumes named in chosen_on (phantoms, not patients); null: none",
    )
    validation_specificity: float | None = Field(
        None,
        description="scan-level specificity on the volumes named in chosen_on (phantoms, not patients); null: none",
    )


class SeriesResponse(BaseModel):
    probability: float = Field(
        description="the highest slice P(any) over assessed slices (0 when none is); the answer itself is hemorrhage"
    )
    scan_rule: ScanRuleInfo = Field(description="the scan-level rule that gave hemorrhage, with its parameters")
    hemorrhage: bool = Field(description="the scan-level answer: scan_rule applied to the assessed slices")
    threshold: float = Field(
        description="slice-level operating threshold from the classifier card (or settings), on the calibrated scale"
    )
    calibrated: bool = Field(description="probabilities were mapped by the card's calibration (temperature scaling)")
    subtypes: dict[str, float] = Field(description="scan-level P(each subtype): max over assessed slices")
    most_suspicious_slice: int | None = Field(
        description="index of the assessed slice with the highest P(any); null when no slice was assessed"
    )
    flagged_slices: list[int] = Field(description="indices of assessed slices with P(any) >= threshold")
    not_assessed_slices: list[int] = Field(description="indices of slices the models were not asked to judge")
    models_agree: bool = Field(description="classifier and segmenter agree on every assessed slice")
    warnings: list[AnswerWarning] = Field(description="everything that makes this answer less trustworthy")
    bleed_volume_ml: float | None = Field(
        description="sum over flagged slices (the only ones with a mask) of mask area x slice spacing, in mL; null "
        "without pixel or slice spacing"
    )
    dice: float | None = Field(description="Dice over the whole volume against the reference, if sent")
    slices: list[SeriesSlice]
    mask_nifti_base64: str | None = Field(
        None, description="NIfTI input: the mask volume (.nii.gz, uint8 0/1) on the input's grid with its affine"
    )
    withheld_mask_nifti_base64: str | None = Field(
        None,
        description="NIfTI input with withheld_masks=true: the segmenter's outlines withheld from slices that are not "
        "flagged, a volume like mask_nifti_base64 (0 on flagged and not assessed slices)",
    )
    montage_png_base64: str | None = Field(None, description="with ?montage=true: overlays of the flagged slices")
    models: list[ModelRef]
    input: SeriesInput
    timings_ms: dict[str, float] = Field(description="wall time per stage, summed over chunks")
    notice: str = NOTICE
