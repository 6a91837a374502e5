"""Names from a request never reach the file system: no app code reads upload file names, and only the job store
writes files (its spool and results, named by a hash of the instance UID and by kind, never by anything a client names)."""

import ast
import uuid
from pathlib import Path

import pytest

from tests.reliability.bad_files import good_png

APP_DIR = Path(__file__).resolve().parents[2] / "app"
# Calls that would put request data on disk; the service only reads its model store, named by settings.
WRITERS = {"open", "write_bytes", "write_text", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory"}
# The DICOM integration's one writer: received instances and produced objects under the data folder.
JOB_STORE = "app/integration/store.py"


def attribute_uses(name: str) -> list[str]:
    found = []
    for path in sorted(APP_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            called = getattr(node, "attr", None) or getattr(node, "id", None)
            if called == name:
                found.append(f"{path.relative_to(APP_DIR.parent)}:{node.lineno}")
    return found


def test_no_app_code_reads_an_upload_file_name():
    assert attribute_uses("filename") == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_no_app_code_but_the_job_store_writes_files(writer):
    assert [use for use in attribute_uses(writer) if not use.startswith(f"{JOB_STORE}:")] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/predict", "image"), ("/v1/predict/mask", "image"), ("/v1/series", "files"), ("/v1/volume", "volume")],
)
def test_traversing_file_names_create_nothing(client_with, tmp_path, path, field):
    target = tmp_path / f"pwned-{uuid.uuid4().hex}"
    hostile = f"../../../../../../{target.relative_to('/')}"
    client_with().post(path, files={field: (hostile, good_png(), "image/png")})
    assert not target.exists()
