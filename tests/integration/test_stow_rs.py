"""STOW-RS in, job out: PS3.18 store responses, series selection, WADO-RS retrieval of what was produced."""

import numpy as np
from pydicom import dcmread
from pydicom.filebase import DicomBytesIO
from pydicom.uid import XRayRadiationDoseSRStorage

from app.integration import multipart
from tests.integration.conftest import stow, wait_for_job
from tests.integration.study_files import BLEED_SLICES, as_files, study

DICOM_JSON_REFERENCED, DICOM_JSON_FAILED = "00081199", "00081198"


def test_a_study_is_stored_selected_analysed_and_retrievable(client):
    study_uid, datasets = study()
    response = stow(client, as_files(datasets))
    # The dose report is refused as an unsupported SOP class: a partial store, 202.
    assert response.status_code == 202, response.text
    assert response.headers["content-type"] == "application/dicom+json"
    body = response.json()
    failed = body[DICOM_JSON_FAILED]["Value"]
    assert [item["00081150"]["Value"][0] for item in failed] == [XRayRadiationDoseSRStorage]
    assert failed[0]["00081197"]["Value"] == [0x0122]
    assert len(body[DICOM_JSON_REFERENCED]["Value"]) == len(datasets) - 1

    job = wait_for_job(client, response.headers["location"])
    assert job["status"] == "done", job
    assert job["study_instance_uid"] == study_uid
    reasons = {choice["reason"] for choice in job["selection"] if not choice["taken"]}
    assert reasons == {"localizer (scout) images", "bone-kernel (H70h) duplicate of a soft-tissue series"}
    assert job["series_instance_uid"] == datasets[0].SeriesInstanceUID
    flagged = [s["index"] for s in job["answer"]["slices"] if s["flagged"]]
    assert flagged == list(BLEED_SLICES)
    assert [e["event"] for e in job["events"]] == ["received", "analysed"]
    analysed = job["events"][1]["detail"]
    assert [m["name"] for m in analysed["models"]] == ["fake_classifier", "fake_segmenter"]
    assert "decode" in analysed["timings_ms"]

    assert sorted(r["kind"] for r in job["results"]) == ["sc", "seg", "sr"]
    for result in job["results"]:
        wado = client.get(result["url"], headers={"Accept": 'multipart/related; type="application/dicom"'})
        assert wado.status_code == 200, wado.text
        parts = multipart.split_parts(wado.content, multipart.boundary_of(wado.headers["content-type"]))
        assert len(parts) == 1
        ds = dcmread(DicomBytesIO(parts[0].data))
        assert ds.SOPInstanceUID == result["sop_instance_uid"] and ds.StudyInstanceUID == study_uid
    whole_study = client.get(f"/dicomweb/studies/{study_uid}")
    parts = multipart.split_parts(whole_study.content, multipart.boundary_of(whole_study.headers["content-type"]))
    assert len(parts) == 3


def test_all_instances_failing_is_409_with_each_reason(client):
    body, content_type = multipart.build([b"not dicom at all", b"\x00" * 200])
    response = client.post("/dicomweb/studies", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 409
    failed = response.json()[DICOM_JSON_FAILED]["Value"]
    assert [item["00081197"]["Value"] for item in failed] == [[0xC000], [0xC000]]
    assert "location" not in response.headers


def test_a_whole_good_request_is_200(client):
    _, datasets = study(with_extras=False)
    response = stow(client, as_files(datasets))
    assert response.status_code == 200
    assert DICOM_JSON_FAILED not in response.json()


def test_wrong_media_type_is_415_naming_it(client):
    response = client.post("/dicomweb/studies", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert response.json()["error"]["message"] == (
        'STOW-RS takes multipart/related; type="application/dicom", not application/json'
    )
    response = client.post(
        "/dicomweb/studies", content=b"x", headers={"Content-Type": 'multipart/related; type="image/png"; boundary=b'}
    )
    assert response.json()["error"]["message"] == 'the multipart type must be "application/dicom", not image/png'


def test_unclosed_multipart_is_400(client):
    content_type = 'multipart/related; type="application/dicom"; boundary=abc'
    response = client.post("/dicomweb/studies", content=b"--abc\r\n\r\nxx", headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "the multipart body is not closed by its boundary, or has no part"


def test_unknown_job_and_unknown_instance_are_404(client):
    response = client.get("/v1/jobs/999")
    assert response.status_code == 404 and response.json()["error"]["message"] == "no job 999"
    response = client.get("/dicomweb/studies/1.2.3/series/4.5/instances/6.7")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no instances produced by this service match"


def test_endpoints_say_when_the_integration_is_off(tmp_path, runtime):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    with TestClient(create_app(Settings(model_store=tmp_path), runtime)) as client:
        response = client.get("/v1/jobs/1")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "the DICOM integration is off: start the service with ICH_INTEGRATION=true"
    )


def test_seg_mask_is_the_answers_mask(client):
    import highdicom as hd

    _, datasets = study(with_extras=False)
    job = wait_for_job(client, stow(client, as_files(datasets)).headers["location"])
    seg_url = next(r["url"] for r in job["results"] if r["kind"] == "seg")
    wado = client.get(seg_url)
    part = multipart.split_parts(wado.content, multipart.boundary_of(wado.headers["content-type"]))[0]
    seg = hd.seg.Segmentation.from_dataset(dcmread(DicomBytesIO(part.data)))
    sops = [s["sop_instance_uid"] for s in job["answer"]["slices"]]
    frames = seg.get_pixels_by_source_instance(sops, segment_numbers=[1])[..., 0]
    answer_area = np.array([s["area_pixels"] for s in job["answer"]["slices"]])
    assert frames.sum(axis=(1, 2)).tolist() == answer_area.tolist()
    assert answer_area[list(BLEED_SLICES)].min() > 0
