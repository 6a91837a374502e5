"""The hemorrhage mask as a binary DICOM Segmentation that references the analysed CT instances.

The segmenter gives one hemorrhage mask (the subtypes are scan and slice probabilities, reported in the SR), so the
SEG holds one segment: SNOMED CT 1386000 intracranial hemorrhage.
"""

import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from app.integration.provenance import NOT_FOR_CLINICAL_USE, SEG_SERIES_NUMBER, Provenance

SEGMENT_NUMBER = 1


def segment_description(provenance: Provenance) -> hd.seg.SegmentDescription:
    return hd.seg.SegmentDescription(
        segment_number=SEGMENT_NUMBER,
        segment_label="Intracranial hemorrhage",
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.IntracranialHemorrhage,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=provenance.algorithm(),
    )


def write_seg(
    sources: list[Dataset], masks: np.ndarray, provenance: Provenance, series_uid: str, sop_uid: str
) -> Dataset:
    """sources: the CT datasets in the masks' slice order; masks bool (slices, rows, columns)."""
    return hd.seg.Segmentation(
        source_images=sources,
        pixel_array=masks.astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[segment_description(provenance)],
        series_instance_uid=series_uid,
        series_number=SEG_SERIES_NUMBER,
        sop_instance_uid=sop_uid,
        instance_number=1,
        manufacturer="ich-service",
        manufacturer_model_name="ICH detector",
        software_versions=provenance.software_versions,
        device_serial_number="0",
        content_description=NOT_FOR_CLINICAL_USE,
        content_label="ICH",
        series_description=f"ICH mask - {NOT_FOR_CLINICAL_USE}",
        omit_empty_frames=False,  # a frame per source slice, so a viewer shows "no bleed" on clean slices too
    )
