"""The answer as a DICOM SR (TID 1500 measurement report): the scan-level finding, its probability and operating
threshold, the answer's caveats (its warnings, each a coded qualitative evaluation), the bleed volume on the SEG's
segment, each flagged slice, each slice not assessed (indeterminate, with the reason), and the algorithm with its
model versions.
"""

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from app.integration.provenance import MANUFACTURER, NOT_FOR_CLINICAL_USE, SR_SERIES_NUMBER, Provenance
from app.integration.seg import SEGMENT_NUMBER
from app.pipeline.postprocess.caveats import (
    CONTRAST_ENHANCED,
    EIGHT_BIT_EXPORT,
    HEAVY_COMPRESSION,
    LEVEL_NOT_ASSESSED,
    LOSSY_COMPRESSION,
    MODELS_DISAGREE,
    NOT_BRAIN_WINDOW,
    NOT_HEAD_BODY_PART,
    NOT_HEAD_SLICE,
)

UNITLESS = Code("1", "UCUM", "no units")
MILLILITER = Code("mL", "UCUM", "milliliter")
SQUARE_MM = Code("mm2", "UCUM", "square millimeter")
# Concepts with no standard code, in this service's private scheme (a "99" designator, as PS3.16 8.2 allows).
THRESHOLD = Code("ICH-THRESHOLD", "99ICH", "Operating threshold")
AREA = Code("ICH-AREA", "99ICH", "Hemorrhage area on slice")
CAVEAT = Code("ICH-CAVEAT", "99ICH", "Answer caveat")
# The answer's warnings (app.pipeline.postprocess.caveats) as coded values; the JSON answer has the full message.
CAVEATS = {
    NOT_HEAD_SLICE: Code("ICH-NOT-HEAD", "99ICH", "Slice is not an axial head CT slice"),
    LEVEL_NOT_ASSESSED: Code("ICH-NOT-ASSESSED", "99ICH", "Level not assessed by the models"),
    NOT_BRAIN_WINDOW: Code("ICH-NOT-BRAIN-WN", "99ICH", "Image is not in the brain window"),
    EIGHT_BIT_EXPORT: Code("ICH-8BIT-EXPORT", "99ICH", "Input is an 8-bit display export"),
    HEAVY_COMPRESSION: Code("ICH-HEAVY-LOSSY", "99ICH", "Heavy lossy compression"),
    LOSSY_COMPRESSION: Code("ICH-LOSSY", "99ICH", "Lossy compression"),
    CONTRAST_ENHANCED: Code("ICH-CONTRAST", "99ICH", "Contrast-enhanced study"),
    NOT_HEAD_BODY_PART: Code("ICH-NOT-HEAD-BP", "99ICH", "Body part examined is not the head"),
    MODELS_DISAGREE: Code("ICH-DISAGREE", "99ICH", "Classifier and segmenter disagree"),
}


def subtype_probability(name: str) -> Code:
    return Code(f"ICH-P-{name.upper()[:8]}", "99ICH", f"Probability of {name} hemorrhage")


def _finding(value: Code) -> hd.sr.QualitativeEvaluation:
    return hd.sr.QualitativeEvaluation(codes.SCT.IntracranialHemorrhage, value)


def _present(present: bool) -> hd.sr.QualitativeEvaluation:
    return _finding(codes.SCT.Present if present else codes.SCT.Absent)


def _probability(value: float, name: Code = codes.DCM.Probability) -> hd.sr.Measurement:
    return hd.sr.Measurement(name=name, value=round(float(value), 6), unit=UNITLESS)


def _scan_group(answer: dict, provenance: Provenance) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """The scan's finding, its probabilities, and a caveat for each of its warnings: a reader of the SR alone must
    learn that, say, the models disagreed or the study had contrast, as a reader of the JSON answer does."""
    measurements = [_probability(answer["probability"]), _probability(answer["threshold"], THRESHOLD)]
    measurements += [_probability(p, subtype_probability(name)) for name, p in answer["subtypes"].items()]
    caveats = [hd.sr.QualitativeEvaluation(CAVEAT, CAVEATS[w["code"]]) for w in answer.get("warnings", [])]
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="scan"),
        finding_type=codes.SCT.IntracranialHemorrhage,
        algorithm_id=provenance.sr_algorithm(),
        measurements=measurements,
        qualitative_evaluations=[_present(answer["hemorrhage"]), *caveats],
    )


def _volume_group(answer: dict, seg: Dataset, ct_series_uid: str, provenance: Provenance):
    volume = answer["bleed_volume_ml"]
    return hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="hemorrhage volume"),
        referenced_segment=hd.sr.ReferencedSegment(
            sop_class_uid=seg.SOPClassUID,
            sop_instance_uid=seg.SOPInstanceUID,
            segment_number=SEGMENT_NUMBER,
            source_series=hd.sr.SourceSeriesForSegmentation(ct_series_uid),
        ),
        finding_type=codes.SCT.IntracranialHemorrhage,
        algorithm_id=provenance.sr_algorithm(),
        measurements=[hd.sr.Measurement(codes.SCT.Volume, round(volume, 4), MILLILITER)]
        if volume is not None
        else None,
    )


def _slice_group(item: dict, source: Dataset) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """A flagged slice: present, with its probability and area. A slice not assessed: indeterminate, and why, so
    that a reader of the SR alone sees which levels the "absent" of the scan does not cover."""
    identifier, measurements = f"slice {item['index']}", None
    if item["assessed"]:
        finding = _present(item["flagged"])
        measurements = [_probability(item["probability"])]
        if item.get("area_mm2") is not None:
            measurements.append(hd.sr.Measurement(AREA, round(item["area_mm2"], 3), SQUARE_MM))
    else:
        finding = _finding(codes.SCT.Indeterminate)
        identifier += f" not assessed: {(item['not_assessed_reason'] or 'unknown').replace('_', ' ')}"
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=identifier),
        finding_type=codes.SCT.IntracranialHemorrhage,
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(source)],
        measurements=measurements,
        qualitative_evaluations=[finding],
    )


def write_sr(
    sources: list[Dataset], seg: Dataset, answer: dict, provenance: Provenance, series_uid: str, sop_uid: str
) -> Dataset:
    """sources: the CT datasets in the answer's slice order; answer: the series answer as JSON-ready dict."""
    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=generate_uid(), name="ICH detector", manufacturer_name=MANUFACTURER, model_name=provenance.models
        ),
    )
    groups = [_scan_group(answer, provenance), _volume_group(answer, seg, sources[0].SeriesInstanceUID, provenance)]
    reported = [item for item in answer["slices"] if item["flagged"] or not item["assessed"]]
    groups += [_slice_group(item, sources[item["index"]]) for item in reported]
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=device),
        procedure_reported=codes.LN.HeadCT,
        imaging_measurements=groups,
    )
    return hd.sr.Comprehensive3DSR(
        evidence=[*sources, seg],
        content=report,
        series_instance_uid=series_uid,
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=sop_uid,
        instance_number=1,
        manufacturer=MANUFACTURER,
        is_complete=True,
        series_description=f"ICH report - {NOT_FOR_CLINICAL_USE}",
    )
