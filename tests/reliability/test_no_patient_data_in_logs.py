"""A DICOM's patient tags and the upload's file name appear nowhere in the logs, in-process or from real uvicorn."""

import logging
import warnings

import httpx
import numpy as np
import pytest
from pydicom import uid
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

from app.logging_config import SILENCED, RequestIdFilter, configure_logging
from app.pipeline.decode.dicom import read_dicom_header
from loadtest.server import uvicorn_server
from tests.app.dicom_files import block_slice, ct_dataset, save
from tests.reliability.fake_app import DELAY_ENV

PATIENT_NAME, PATIENT_ID = "Quillfeather^Ozymandias", "MRN-55501-ZX"
FILE_NAME = "Quillfeather_Ozymandias_MRN-55501-ZX.dcm"
PIXEL_SPACING = Tag(0x00280030)
# Letters in the accession number: a bare 5-digit secret turned up by chance inside random UIDs and timings.
ACCESSION = "ACC55501QZ"
SECRETS = (PATIENT_NAME, "Quillfeather", "Ozymandias", PATIENT_ID, ACCESSION)


def identified(z_mm: float = 0.0, series_uid: str | None = None, malformed: bool = False, **changes) -> bytes:
    ds = ct_dataset(block_slice(), z_mm=z_mm, series_uid=series_uid, study_uid=STUDY, frame_uid=FRAME)
    ds.PatientName, ds.PatientID, ds.OtherPatientIDs = PATIENT_NAME, PATIENT_ID, PATIENT_ID
    ds.AccessionNumber, ds.ReferringPhysicianName = ACCESSION, PATIENT_NAME
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    if malformed:  # the name inside a number field: a parse error must not echo the value
        value = f"{PATIENT_NAME}\\1 ".encode()
        ds._dict[PIXEL_SPACING] = RawDataElement(PIXEL_SPACING, "DS", len(value), value, 0, False, True)
    return save(ds)


STUDY, FRAME, SERIES = uid.generate_uid(), uid.generate_uid(), uid.generate_uid()


def requests() -> list[tuple[str, list]]:
    """Good and bad requests that all carry the patient's name, in the tags and in the file name."""
    one = [("image", (FILE_NAME, identified(), "application/dicom"))]
    series = [("files", (f"{i}-{FILE_NAME}", identified(5.0 * i, SERIES), "application/dicom")) for i in range(3)]
    return [
        ("/v1/predict", one),
        ("/v1/predict/mask", one),
        ("/v1/predict/overlay", one),
        ("/v1/series", series),
        ("/v1/predict", [("image", (FILE_NAME, identified(Modality="MR"), "application/dicom"))]),
        ("/v1/predict", [("image", (FILE_NAME, identified(malformed=True), "application/dicom"))]),
        ("/v1/predict", [("image", (FILE_NAME, identified()[:-500], "application/dicom"))]),
        ("/v1/series", [*series, ("files", (FILE_NAME, identified(0.0, uid.generate_uid()), "application/dicom"))]),
        ("/v1/predict", [("image", (FILE_NAME, b"not an image", "image/png"))]),
    ]


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_in_process_logs_and_answers_hold_no_patient_data(client_with, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.DEBUG)
    client = client_with()
    statuses = []
    for path, files in requests():
        response = client.post(path, files=files)
        statuses.append(response.status_code)
        assert_no_secrets(response.text)
        assert_no_secrets(str(response.headers))
    assert statuses[:4] == [200, 200, 200, 200]  # the good requests really were decoded
    assert all(400 <= status < 500 for status in statuses[4:])
    assert len(caplog.records) >= len(statuses)
    assert_no_secrets(caplog.text)
    assert_no_secrets(repr([record.__dict__ for record in caplog.records]))


def test_real_server_log_holds_no_patient_data(tmp_path):
    env = {"ICH_MODEL_STORE": str(tmp_path), "ICH_LOG_LEVEL": "DEBUG", DELAY_ENV: "0"}
    log_path = tmp_path / "uvicorn.log"
    with uvicorn_server("tests.reliability.fake_app:app", env, log_path, ready_timeout_s=60) as running:
        client = httpx.Client(base_url=running.base_url, timeout=30)
        statuses = [client.post(path, files=files).status_code for path, files in requests()]
        client.close()
    assert statuses[:4] == [200, 200, 200, 200]
    log = log_path.read_text()
    assert log.count('"logger": "app.access"') >= len(statuses)
    assert_no_secrets(log)


@pytest.fixture
def service_logging():
    """The service's logging set up for one test (configure_logging changes process-wide state), then undone."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        yield configure_logging
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)
    for name in SILENCED:
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_dicom_library_lines_are_logged_without_identifiers(service_logging, capsys):
    # The service reads UIDs, and pydicom quotes a malformed one in its warning.
    data = identified(SeriesInstanceUID=f"1.2.{ACCESSION}")
    service_logging("DEBUG")
    header = read_dicom_header(data, 10**6)
    logging.getLogger("pynetdicom._handlers").debug(f"Affected SOP Instance UID     : 1.2.{ACCESSION}")
    log = capsys.readouterr().err
    assert header.uids["SeriesInstanceUID"] == f"1.2.{ACCESSION}"  # the answer still carries the caller's own UID
    assert '"logger": "pydicom", "message": "Invalid value for VR UI: <redacted>.' in log  # the warning is kept
    assert_no_secrets(log)


def test_a_logged_traceback_keeps_its_frames_but_not_the_values_its_messages_quote(service_logging, capsys):
    service_logging("INFO")
    try:
        try:
            float(PATIENT_NAME)  # as a malformed DICOM number would be converted
        except ValueError as e:
            raise RuntimeError("analysis failed") from e
    except RuntimeError:
        logging.getLogger("app.integration.worker").exception("job %s failed", 7)
    log = capsys.readouterr().err
    assert "job 7 failed" in log and "ValueError: could not convert string to float: <redacted>" in log
    assert "float(PATIENT_NAME)" in log  # source lines are kept
    assert_no_secrets(log)


@pytest.mark.parametrize("header", ["X-Request-ID", "User-Agent", "Referer"])
def test_identifying_headers_are_not_logged(client_with, caplog, header):
    caplog.set_level(logging.DEBUG)
    client_with().get("/v1/models", headers={header: PATIENT_NAME})
    assert_no_secrets(caplog.text + repr([record.__dict__ for record in caplog.records]))


def test_the_test_dicom_really_carries_the_name():
    from io import BytesIO

    import pydicom

    ds = pydicom.dcmread(BytesIO(identified()))
    assert str(ds.PatientName) == PATIENT_NAME and ds.PatientID == PATIENT_ID
    assert PATIENT_NAME.encode() in identified(malformed=True)
    assert np.asarray(ds.pixel_array).shape == block_slice().shape
