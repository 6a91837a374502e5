"""The produced SEG, SR and secondary capture: valid by dciodvfy (dicom3tools), and saying what the answer says."""

import shutil
import subprocess
from pathlib import Path

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.filebase import DicomBytesIO
from pydicom.sr.codedict import codes

from app.integration.analysis import analyse
from app.pipeline.flows.scan_flow import VolumeConfig
from tests.app.conftest import fake_models
from tests.integration.study_files import as_files, study

REAL_CT = Path(__file__).resolve().parents[2] / ".." / "shared" / "realct" / "invesalius_0051"
CONFIG = VolumeConfig(max_slices=256, max_pixels=1024 * 1024, max_voxels=256 * 512 * 512, chunk=16, threshold=0.05)


class Spooled:
    """An Instance row's fields, for analyse() without a database."""

    def __init__(self, path: Path):
        ds = dcmread(path, stop_before_pixels=True)
        self.path, self.series_uid = str(path), ds.SeriesInstanceUID


def spool(tmp_path: Path, files: list[bytes]) -> list[Spooled]:
    paths = []
    for index, data in enumerate(files):
        path = tmp_path / f"{index}.dcm"
        path.write_bytes(data)
        paths.append(Spooled(path))
    return paths


def dciodvfy_errors(data: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / f"{name}.dcm"
    path.write_bytes(data)
    run = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=120)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]


def sr_items(sr) -> tuple[dict[str, float], list[str]]:
    """(concept meaning -> the first value of each numeric item, every text value) of the SR's content tree."""
    numbers, texts = {}, []

    def walk(items):
        for item in items:
            if item.ValueType == "NUM":
                name = item.ConceptNameCodeSequence[0].CodeMeaning
                numbers.setdefault(name, float(item.MeasuredValueSequence[0].NumericValue))
            elif item.ValueType == "TEXT":
                texts.append(item.TextValue)
            walk(item.get("ContentSequence", []))

    walk(sr.ContentSequence)
    return numbers, texts


def by_kind(produced) -> dict:
    return {item.kind: dcmread(DicomBytesIO(item.data)) for item in produced}


needs_dciodvfy = pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="apt install dicom3tools")


@needs_dciodvfy
def test_phantom_objects_validate_and_match_the_answer(tmp_path):
    _, datasets = study()
    analysis = analyse(fake_models(), spool(tmp_path, as_files(datasets)), CONFIG)
    for item in analysis.produced:
        assert dciodvfy_errors(item.data, tmp_path, item.kind) == [], item.kind
    objects, answer = by_kind(analysis.produced), analysis.answer

    seg = hd.seg.Segmentation.from_dataset(objects["seg"])
    sops = [s["sop_instance_uid"] for s in answer["slices"]]
    referenced = [
        i.ReferencedSOPInstanceUID for i in objects["seg"].ReferencedSeriesSequence[0].ReferencedInstanceSequence
    ]
    assert sorted(referenced) == sorted(sops)
    frames = seg.get_pixels_by_source_instance(sops, segment_numbers=[1])[..., 0]
    assert frames.sum(axis=(1, 2)).tolist() == [s["area_pixels"] for s in answer["slices"]]
    segment = objects["seg"].SegmentSequence[0]
    assert segment.SegmentedPropertyTypeCodeSequence[0].CodeValue == codes.SCT.IntracranialHemorrhage.value
    assert "fake_classifier 7, fake_segmenter 3" in objects["seg"].SoftwareVersions

    values, texts = sr_items(objects["sr"])
    assert values["Volume"] == pytest.approx(answer["bleed_volume_ml"], abs=1e-4)
    assert values["Probability"] == pytest.approx(answer["probability"], abs=1e-6)
    assert values["Operating threshold"] == pytest.approx(answer["threshold"])
    assert {"NOT FOR CLINICAL USE", "models: fake_classifier 7, fake_segmenter 3"} <= set(texts)
    flagged = [f"slice {s['index']}" for s in answer["slices"] if s["flagged"]]
    assert flagged and set(flagged) <= set(texts)  # each flagged slice is a measurement group

    capture = objects["sc"]
    assert capture.StudyInstanceUID == datasets[0].StudyInstanceUID and capture.SamplesPerPixel == 3


@needs_dciodvfy
@pytest.mark.skipif(not REAL_CT.is_dir(), reason="the shared real CT is not next to the repository")
def test_real_ct_objects_validate(tmp_path):
    files = [path.read_bytes() for path in sorted(REAL_CT.glob("*.dcm"))]
    analysis = analyse(fake_models(), spool(tmp_path, files), CONFIG)
    assert analysis.answer["input"]["slices"] == len(files)
    # The scanner wrote a Frame of Reference UID with a leading-zero component, which the SEG must repeat to share
    # the frame: errors the source itself has are not the writers'.
    inherited = set(dciodvfy_errors(files[0], tmp_path, "source"))
    assert any("Frame of Reference UID" in error for error in inherited)
    for item in analysis.produced:
        assert set(dciodvfy_errors(item.data, tmp_path, item.kind)) - inherited == set(), item.kind
    seg = dcmread(DicomBytesIO(next(i.data for i in analysis.produced if i.kind == "seg")))
    assert int(seg.NumberOfFrames) == len(files)
