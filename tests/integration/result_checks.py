"""What a round trip checks on the objects a PACS got back: the SEG is the answer's mask on the right instances,
the SR's volume is the answer's, the capture belongs to the study."""

import base64

import cv2
import highdicom as hd
import numpy as np
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO


def answer_masks(answer: dict) -> np.ndarray:
    """bool (slices, rows, columns) from the answer's per-slice mask PNGs."""
    masks = []
    for item in answer["slices"]:
        png = np.frombuffer(base64.b64decode(item["mask_png_base64"]), np.uint8)
        masks.append(cv2.imdecode(png, cv2.IMREAD_UNCHANGED) > 0)
    return np.stack(masks)


def sr_volume_ml(sr: Dataset) -> float:
    def walk(items):
        for item in items:
            if item.ValueType == "NUM" and item.ConceptNameCodeSequence[0].CodeMeaning == "Volume":
                yield float(item.MeasuredValueSequence[0].NumericValue)
            yield from walk(item.get("ContentSequence", []))

    return next(walk(sr.ContentSequence))


def check_results(job: dict, fetched: dict[str, bytes], source_sops: set[str]) -> None:
    """fetched: result kind -> the instance as the PACS returns it; source_sops: the analysed series' instances."""
    objects = {kind: dcmread(DicomBytesIO(data)) for kind, data in fetched.items()}
    assert set(objects) == {"seg", "sr", "sc"}
    answer = job["answer"]
    sops = [item["sop_instance_uid"] for item in answer["slices"]]
    assert set(sops) == source_sops

    seg = hd.seg.Segmentation.from_dataset(objects["seg"])
    referenced = objects["seg"].ReferencedSeriesSequence[0]
    assert referenced.SeriesInstanceUID == job["series_instance_uid"]
    assert {item.ReferencedSOPInstanceUID for item in referenced.ReferencedInstanceSequence} == source_sops
    frames = seg.get_pixels_by_source_instance(sops, segment_numbers=[1])[..., 0] > 0
    assert np.array_equal(frames, answer_masks(answer))

    volume = answer["bleed_volume_ml"]
    assert sr_volume_ml(objects["sr"]) == pytest.approx(volume, abs=1e-4)
    for ds in objects.values():
        assert ds.StudyInstanceUID == job["study_instance_uid"]
