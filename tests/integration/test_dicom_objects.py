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
from app.integration.sr import CAVEAT, CAVEATS
from app.pipeline.flows.scan_flow import VolumeConfig
from app.pipeline.postprocess import caveats
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


def sr_slice_findings(sr) -> dict[str, tuple[str, str]]:
    """Per measurement group citing one image (each slice's): its tracking identifier -> (the finding's value, the
    SOP instance it cites)."""
    findings = {}

    def walk(items):
        for item in items:
            children = item.get("ContentSequence", [])
            if item.ValueType == "CONTAINER" and item.ConceptNameCodeSequence[0].CodeMeaning == "Measurement Group":
                texts = [c.TextValue for c in children if c.ValueType == "TEXT"]
                codes_ = [c.ConceptCodeSequence[0].CodeMeaning for c in children if c.ValueType == "CODE"]
                images = [
                    c.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for c in children if c.ValueType == "IMAGE"
                ]
                if images:
                    findings[texts[0]] = (codes_[-1], images[0])
            walk(children)

    walk(sr.ContentSequence)
    return findings


def sr_caveats(sr) -> list[str]:
    """The code values of the SR's answer caveats."""
    found = []

    def walk(items):
        for item in items:
            if item.ValueType == "CODE" and item.ConceptNameCodeSequence[0].CodeValue == CAVEAT.value:
                found.append(item.ConceptCodeSequence[0].CodeValue)
            walk(item.get("ContentSequence", []))

    walk(sr.ContentSequence)
    return found


def test_every_warning_an_answer_can_carry_has_a_caveat_code_in_the_sr():
    warnings = {value for name, value in vars(caveats).items() if name.isupper() and isinstance(value, str)}
    assert set(CAVEATS) == warnings - {caveats.NO_SKULL}  # imported there: a reason a slice is not assessed
    assert len({code.value for code in CAVEATS.values()}) == len(CAVEATS)
    assert all(len(code.value) <= 16 and len(code.meaning) <= 64 for code in CAVEATS.values())  # SH and LO


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
    # A reader of the SR alone learns which levels the scan's answer does not cover, and why.
    findings = sr_slice_findings(by_kind(analysis.produced)["sr"])
    not_assessed = [s for s in analysis.answer["slices"] if not s["assessed"]]
    assert not_assessed, "the real scan has levels the models do not assess"
    for item in not_assessed:
        reason = item["not_assessed_reason"].replace("_", " ")
        assert findings[f"slice {item['index']} not assessed: {reason}"] == ("Indeterminate", item["sop_instance_uid"])
    flagged = [s for s in analysis.answer["slices"] if s["flagged"]]
    assert len([name for name in findings if name.startswith("slice ")]) == len(not_assessed) + len(flagged)
    # and every caveat the JSON answer carries
    warnings = [w["code"] for w in analysis.answer["warnings"]]
    assert "level_not_assessed" in warnings
    assert sr_caveats(by_kind(analysis.produced)["sr"]) == [CAVEATS[w].value for w in warnings]
