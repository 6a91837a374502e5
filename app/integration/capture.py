"""The key slices with the hemorrhage overlay as a DICOM secondary capture, for viewers that show neither SEG nor SR.

The picture is the series montage (the flagged slices, or the most suspicious one), which carries the notice.
"""

import cv2
import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset

from app.integration.provenance import MANUFACTURER, NOT_FOR_CLINICAL_USE, SC_SERIES_NUMBER, Provenance


def write_capture(
    source: Dataset, montage_png: bytes, provenance: Provenance, series_uid: str, sop_uid: str
) -> Dataset:
    """source: any CT instance of the series (patient and study are copied from it); montage_png: RGB or BGR PNG."""
    bgr = cv2.imdecode(np.frombuffer(montage_png, np.uint8), cv2.IMREAD_COLOR)
    capture = hd.sc.SCImage(
        pixel_array=np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)),
        photometric_interpretation="RGB",
        bits_allocated=8,
        coordinate_system="PATIENT",
        study_instance_uid=source.StudyInstanceUID,
        series_instance_uid=series_uid,
        series_number=SC_SERIES_NUMBER,
        sop_instance_uid=sop_uid,
        instance_number=1,
        manufacturer=MANUFACTURER,
        patient_id=source.get("PatientID"),
        patient_name=source.get("PatientName"),
        patient_birth_date=source.get("PatientBirthDate"),
        patient_sex=source.get("PatientSex") or None,
        accession_number=source.get("AccessionNumber"),
        study_id=source.get("StudyID"),
        study_date=source.get("StudyDate"),
        study_time=source.get("StudyTime"),
        referring_physician_name=source.get("ReferringPhysicianName"),
        patient_orientation=("L", "P"),
        series_description=f"ICH key slices - {NOT_FOR_CLINICAL_USE}",
        software_versions=provenance.software_versions,
    )
    capture.Laterality = ""  # type 2C in General Series: present and empty, the head being unpaired
    return capture
