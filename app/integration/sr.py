"""The answer as a DICOM SR (TID 1500 measurement report): the scan-level finding, its probability and operating
threshold, the bleed volume on the SEG's segment, each flagged slice, and the algorithm with its model versions.
"""

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from app.integration.provenance import MANUFACTURER, NOT_FOR_CLINICAL_USE, SR_SERIES_NUMBER, Provenance
from app.integration.seg import SEGMENT_NUMBER

UNITLESS = Code("1", "UCUM", "no units")
MILLILITER = Code("mL", "UCUM", "milliliter")
SQUARE_MM = Code("mm2", "UCUM", "square millimeter")
# Concepts with no standard code, in this service's private scheme (a "99" designator, as PS3.16 8.2 allows).
THRESHOLD = Code("ICH-THRESHOLD", "99ICH", "Operating threshold")
AREA = Code("ICH-AREA", "99ICH", "Hemorrhage area on slice")


def subtype_probability(name: str) -> Code:
    return Code(f"ICH-P-{name.upper()[:8]}", "99ICH", f"Probability of {name} hemorrhage")


def _finding(present: bool) -> hd.sr.QualitativeEvaluation:
    return hd.sr.QualitativeEvaluation(
        codes.SCT.IntracranialHemorrhage, codes.SCT.Present if present else codes.SCT.Absent
    )


def _probability(value: float, name: Code = codes.DCM.Probability) -> hd.sr.Measurement:
    return hd.sr.Measurement(name=name, value=round(float(value), 6), unit=UNITLESS)


def _scan_group(answer: dict, provenance: Provenance) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    measurements = [_probability(answer["probability"]), _probability(answer["threshold"], THRESHOLD)]
    measurements += [_probability(p, subtype_probability(name)) for name, p in answer["subtypes"].items()]
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="scan"),
        finding_type=codes.SCT.IntracranialHemorrhage,
        algorithm_id=provenance.sr_algorithm(),
        measurements=measurements,
        qualitative_evaluations=[_finding(answer["hemorrhage"])],
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
    measurements = [_probability(item["probability"])]
    if item.get("area_mm2") is not None:
        measurements.append(hd.sr.Measurement(AREA, round(item["area_mm2"], 3), SQUARE_MM))
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=f"slice {item['index']}"),
        finding_type=codes.SCT.IntracranialHemorrhage,
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(source)],
        measurements=measurements,
        qualitative_evaluations=[_finding(item["flagged"])],
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
    groups += [_slice_group(item, sources[item["index"]]) for item in answer["slices"] if item["flagged"]]
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
