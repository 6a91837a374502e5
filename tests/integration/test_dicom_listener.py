"""The C-STORE SCP: CT images join their study's job, which is analysed after the quiet period; other SOP classes
are acknowledged and ignored; calling AE titles outside the allow-list are refused; compressed syntaxes arrive."""

import time

import pytest
from pydicom import uid
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, XRayRadiationDoseSRStorage

from app import dicom_listener
from app.integration.service import open_integration
from tests.integration.conftest import integration_settings, wait_for_job
from tests.integration.study_files import study
from tests.live_server import free_port


def send(port: int, datasets, calling_ae: str = "MODALITY", syntax: str = uid.ExplicitVRLittleEndian) -> list[int]:
    """C-STORE each dataset (encoded in `syntax`); the statuses, or [] when the association was refused."""
    ae = AE(ae_title=calling_ae)
    ae.add_requested_context(CTImageStorage, syntax)
    ae.add_requested_context(XRayRadiationDoseSRStorage, uid.ExplicitVRLittleEndian)
    association = ae.associate("127.0.0.1", port, ae_title="ICH_AI")
    if not association.is_established:
        return []
    statuses = []
    for ds in datasets:
        if ds.SOPClassUID == CTImageStorage and syntax != uid.ExplicitVRLittleEndian:
            ds = ds.copy()
            ds.compress(syntax)
        statuses.append(association.send_c_store(ds).Status)
    association.release()
    return statuses


@pytest.fixture
def listener_settings(tmp_path):
    return integration_settings(tmp_path, dicom_port=free_port(), dicom_host="127.0.0.1", series_quiet_s=0.5)


def test_a_study_is_complete_after_the_quiet_period(listener_settings):
    listener_settings = listener_settings.model_copy(update={"series_quiet_s": 2.0})
    integration = open_integration(listener_settings)
    server = dicom_listener.start(listener_settings, integration.store)
    try:
        _, datasets = study()
        statuses = send(listener_settings.dicom_port, datasets)
    finally:
        server.shutdown()
    assert statuses == [0x0000] * len(datasets)  # the dose report too: accepted, never a failure
    job = integration.store.job(1)
    assert job.status == "receiving" and job.source == "dimse"
    assert len(integration.store.instances(1)) == len(datasets) - 1  # the dose report was not kept
    assert integration.store.claim_job("w", 60) is None  # still inside the quiet period
    time.sleep(listener_settings.series_quiet_s)
    assert integration.store.claim_job("w", 60).id == 1


def test_calling_ae_titles_outside_the_list_are_refused(listener_settings):
    settings = listener_settings.model_copy(update={"dicom_allowed_aes": ["ORTHANC"]})
    integration = open_integration(settings)
    server = dicom_listener.start(settings, integration.store)
    try:
        _, datasets = study(with_extras=False)
        assert send(settings.dicom_port, datasets[:1], calling_ae="INTRUDER") == []
        assert send(settings.dicom_port, datasets[:1], calling_ae="ORTHANC") == [0x0000]
    finally:
        server.shutdown()


def test_compressed_study_is_analysed_by_the_service(listener_settings, runtime):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(listener_settings, runtime)) as client:
        server = dicom_listener.start(listener_settings, client.app.state.integration.store)
        try:
            _, datasets = study(with_extras=False)
            assert send(listener_settings.dicom_port, datasets, syntax=uid.RLELossless) == [0] * len(datasets)
        finally:
            server.shutdown()
        job = wait_for_job(client, "/v1/jobs/1")
    assert job["status"] == "done", job
    assert job["answer"]["input"]["slices"] == len(datasets)
    assert sum(s["flagged"] for s in job["answer"]["slices"]) == 2
