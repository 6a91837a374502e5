"""/v1/jobs: a failed delivery is visible (status, error, audit events, metric) and can be retried; the purge of
received instances sits behind the API key; neither the job store nor the logs hold patient data."""

import logging

import pytest
from fastapi.testclient import TestClient

from app.integration.service import open_integration
from app.main import create_app
from tests.app.dicom_files import PATIENT_ID, PATIENT_NAME
from tests.integration.conftest import API_KEY, integration_settings, stow, wait_for_job
from tests.integration.study_files import as_files, study
from tests.live_server import free_port


@pytest.fixture
def nowhere() -> str:
    return f"NOWHERE@127.0.0.1:{free_port()}"  # nothing listens there


def test_a_failed_delivery_is_visible_and_can_be_retried(tmp_path, runtime, nowhere):
    settings = integration_settings(tmp_path, destinations=[nowhere], delivery_max_attempts=2)
    with TestClient(create_app(settings, runtime)) as client:
        location = stow(client, as_files(study(with_extras=False)[1])).headers["location"]
        job = wait_for_job(client, location)
        assert job["status"] == "done"
        [delivery] = job["deliveries"]
        assert delivery["status"] == "failed" and delivery["attempts"] == 2
        port = nowhere.rsplit(":", 1)[1]
        assert delivery["last_error"] == f"association with NOWHERE at 127.0.0.1:{port} was not established"
        events = [e["event"] for e in job["events"]]
        assert events == ["received", "analysed", "delivery_retry", "delivery_failed"]
        assert 'ich_deliveries_total{outcome="failed"}' in client.get("/metrics").text

        retried = client.post(f"{location}/deliveries/retry")
        assert retried.status_code == 200 and retried.json() == {"requeued": 1}
        job = wait_for_job(client, location)
        events = [e["event"] for e in job["events"]]
        assert events[4:] == ["delivery_requeued", "delivery_retry", "delivery_failed"]
        assert client.post("/v1/jobs/999/deliveries/retry").json()["error"]["message"] == "no job 999"


def test_purge_needs_the_api_key_and_deletes_received_files(tmp_path, runtime):
    with TestClient(create_app(integration_settings(tmp_path), runtime)) as client:
        refused = client.post("/v1/jobs/purge")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "purge is disabled: set ICH_API_KEY to enable it"

    headers = {"X-API-Key": API_KEY}
    settings = integration_settings(tmp_path, api_key=API_KEY)
    with TestClient(create_app(settings, runtime), headers=headers) as client:
        files = as_files(study(with_extras=False)[1])
        location = stow(client, files).headers["location"]
        wait_for_job(client, location)
        assert client.post("/v1/jobs/purge", headers={"X-API-Key": "wrong-key-0123456789"}).status_code == 401
        assert client.post("/v1/jobs/purge").json() == {"purged_files": 0}  # younger than the retention
        assert client.post("/v1/jobs/purge", params={"older_than_hours": 0}).json() == {"purged_files": len(files)}
        assert client.get(location).json()["events"][-1]["event"] == "purged"
    assert not any((settings.data_dir / "spool").iterdir())


def test_a_malformed_destination_fails_the_start(tmp_path):
    with pytest.raises(ValueError) as error:
        open_integration(integration_settings(tmp_path, destinations=["pacs.example:4242"]))
    assert str(error.value) == "destination 'pacs.example:4242' is neither a STOW-RS URL (http...) nor AET@host:port"


def test_the_store_and_the_logs_hold_no_patient_data(tmp_path, runtime, caplog):
    caplog.set_level(logging.DEBUG)
    settings = integration_settings(tmp_path)
    _, datasets = study()
    with TestClient(create_app(settings, runtime)) as client:
        job = wait_for_job(client, stow(client, as_files(datasets)).headers["location"])
    assert job["status"] == "done" and len(job["results"]) == 3
    database = b"".join(path.read_bytes() for path in settings.data_dir.glob("ich.sqlite3*"))
    secrets = [PATIENT_NAME, PATIENT_ID, "ACC55501X", "Quuxington General"]
    assert [secret for secret in secrets if secret.encode() in database] == []
    uids = {ds.SOPInstanceUID for ds in datasets} | {datasets[0].StudyInstanceUID}
    assert [s for s in secrets + sorted(uids) if s in caplog.text] == []
