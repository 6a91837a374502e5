"""The round trip against a real PACS (Orthanc): it sends a study to the service by C-STORE, or a client stores it
by STOW-RS (dicomweb-client); the service pushes the SEG, the SR and the capture back to Orthanc, and the test
fetches them from Orthanc and checks them against the JSON answer.

The service and the listener run as their own processes sharing one SQLite store. Fake models by default;
ICH_ROUND_TRIP_SHIPPED_MODELS=1 (make integration-test) serves the shipped SavedModels instead. The C-STORE trip
with the real CT (109 slices of 512x512) is slow, so it runs with the slow tests.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmread
from pydicom.filebase import DicomBytesIO
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.integration import orthanc
from tests.integration.conftest import slow_integration
from tests.integration.result_checks import check_results
from tests.integration.study_files import as_files, study
from tests.live_server import ROOT, free_port, live_server

pytestmark = pytest.mark.skipif(not orthanc.available(), reason="apt install orthanc orthanc-dicomweb")
REAL_CT = ROOT / ".." / "shared" / "realct" / "invesalius_0051"
SHIPPED = os.environ.get("ICH_ROUND_TRIP_SHIPPED_MODELS") == "1"
JOB_TIMEOUT_S = 600 if SHIPPED else 120


def service_env(data_dir: Path, destination: str, dicom_port: int) -> dict[str, str]:
    return {
        "ICH_INTEGRATION": "true",
        "ICH_DATA_DIR": str(data_dir),
        "ICH_DESTINATIONS": json.dumps([destination]),
        "ICH_WORKER_POLL_S": "0.2",
        "ICH_SERIES_QUIET_S": "2",
        "ICH_DELIVERY_BACKOFF_S": "0.5",
        "ICH_DICOM_HOST": "127.0.0.1",
        "ICH_DICOM_PORT": str(dicom_port),
        "ICH_DICOM_ALLOWED_AES": json.dumps([orthanc.AE_TITLE]),
    }


@contextmanager
def service(tmp_path: Path, env: dict[str, str]):
    target = "app.main:app" if SHIPPED else "tests.reliability.fake_app:app"
    store = ROOT / "model_store" if SHIPPED else tmp_path
    with live_server(store, target, **env) as base:
        yield base


@contextmanager
def listener(env: dict[str, str]):
    log = open(Path(env["ICH_DATA_DIR"]) / "listener.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.dicom_listener"], cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
    )
    try:
        ae = AE(ae_title=orthanc.AE_TITLE)
        ae.add_requested_context(Verification)
        for _ in range(100):
            association = ae.associate("127.0.0.1", int(env["ICH_DICOM_PORT"]), ae_title="ICH_AI")
            if association.is_established:
                association.release()
                break
            time.sleep(0.2)
        else:
            raise TimeoutError("the DICOM listener did not answer C-ECHO")
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def finished_job(base: str, job_id: int) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/v1/jobs/{job_id}", timeout=30).json()
        if job.get("status") in ("done", "failed") and all(d["status"] == "delivered" for d in job["deliveries"]):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish and deliver: {job}")


def phantom_series() -> list[bytes]:
    return as_files(study(with_extras=False)[1])


def real_ct_series() -> list[bytes]:
    if not REAL_CT.is_dir():
        pytest.skip("the shared real CT is not next to the repository")
    return [path.read_bytes() for path in sorted(REAL_CT.glob("*.dcm"))]


@pytest.mark.parametrize("series", [phantom_series, pytest.param(real_ct_series, marks=slow_integration)])
def test_orthanc_sends_by_c_store_and_gets_the_results_back(tmp_path, series):
    files = series()
    source_sops = {dcmread(DicomBytesIO(data), stop_before_pixels=True).SOPInstanceUID for data in files}
    dicom_port = free_port()
    with orthanc.orthanc(tmp_path, {"ich": ("ICH_AI", dicom_port)}) as pacs:
        env = service_env(tmp_path / "data", f"{orthanc.AE_TITLE}@127.0.0.1:{pacs.dicom_port}", dicom_port)
        with service(tmp_path, env) as base, listener(env):
            study_id = httpx.post(f"{pacs.http}/instances", content=files[0], timeout=60).json()["ParentStudy"]
            pacs.upload(files[1:])
            sent = httpx.post(f"{pacs.http}/modalities/ich/store", content=study_id, timeout=300)
            assert sent.status_code == 200, sent.text
            job = finished_job(base, 1)
        assert job["status"] == "done" and job["source"] == "dimse", job
        fetched = {r["kind"]: pacs.find_instance(r["sop_instance_uid"]) for r in job["results"]}
    check_results(job, fetched, source_sops)
    assert [d["status"] for d in job["deliveries"]] == ["delivered"]


def test_a_dicomweb_client_stores_and_orthanc_gets_the_results_by_stow_rs(tmp_path):
    study_uid, datasets = study()
    source_sops = {ds.SOPInstanceUID for ds in datasets[:6]}
    with orthanc.orthanc(tmp_path, {}) as pacs:
        env = service_env(tmp_path / "data", pacs.dicomweb, free_port())
        with service(tmp_path, env) as base:
            client = DICOMwebClient(f"{base}/dicomweb")
            stored = client.store_instances([dcmread(DicomBytesIO(data)) for data in as_files(datasets)])
            assert len(stored.ReferencedSOPSequence) == len(datasets) - 1  # the dose report is not taken
            job = finished_job(base, 1)
        assert job["status"] == "done" and job["source"] == "stow", job
        pacs_client = DICOMwebClient(pacs.dicomweb)
        fetched = {}
        for result in job["results"]:
            ds = pacs_client.retrieve_instance(study_uid, result["series_instance_uid"], result["sop_instance_uid"])
            buffer = DicomBytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            fetched[result["kind"]] = buffer.getvalue()
    check_results(job, fetched, source_sops)
