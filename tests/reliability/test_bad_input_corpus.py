"""Every bad input gets a 4xx JSON answer naming the problem; the real server stays up and serves the next request."""

import httpx
import pytest

from loadtest.server import uvicorn_server
from tests.reliability.bad_files import good_png
from tests.reliability.corpus import LIMIT_ENV, Case, slice_cases
from tests.reliability.corpus_volumes import volume_cases

APP = "tests.reliability.fake_app:app"
CASES = slice_cases() + volume_cases()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("corpus-store")
    env = {"ICH_MODEL_STORE": str(store), **LIMIT_ENV}
    log = store.parent / "corpus-uvicorn.log"
    with (
        uvicorn_server(APP, env, log, ready_timeout_s=60) as running,
        httpx.Client(base_url=running.base_url) as client,
    ):
        yield running, client


def send(client: httpx.Client, case: Case) -> httpx.Response:
    return client.request(
        case.method, case.path, files=case.files or None, data=case.data, content=case.content, headers=case.headers
    )


def test_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_gets_a_4xx_naming_the_problem(server, case):
    running, client = server
    response = send(client, case)
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert case.message in body["detail"]
    if "error" in body:
        assert body["error"]["message"] == body["detail"] and body["error"]["code"]
    assert running.process.poll() is None
    good = client.post("/v1/predict", files={"image": ("slice.png", good_png(), "image/png")})
    assert good.status_code == 200 and good.json()["input"]["format"] == "png"


def test_a_png_labelled_as_dicom_is_read_as_the_png_it_is(server):
    """The format comes from the bytes; a wrong file name or Content-Type neither breaks nor steers decoding."""
    _, client = server
    response = client.post("/v1/predict", files={"image": ("slice.dcm", good_png(), "application/dicom")})
    assert response.status_code == 200
    assert response.json()["input"]["format"] == "png"
