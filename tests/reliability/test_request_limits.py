"""In-flight bound, request timeout and body-size bound, exercised concurrently in one event loop."""

import asyncio
import threading

import numpy as np
import pytest
from prometheus_client import REGISTRY

from tests.app.images import png
from tests.reliability.bad_files import good_png
from tests.reliability.conftest import loaded_runtime

pytestmark = pytest.mark.anyio
BOUNDARY = "reliability-boundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def multipart_head(size_hint: str = "") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        f"Content-Type: image/png\r\n\r\n{size_hint}"
    ).encode()


async def post_png(client):
    return await client.post("/v1/predict", files={"image": ("a.png", good_png(), "image/png")})


async def wait_for_in_flight(count: int) -> None:
    for _ in range(500):
        if REGISTRY.get_sample_value("ich_http_requests_in_flight") >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never saw {count} requests in flight")


async def test_past_the_in_flight_bound_answer_503_with_retry_after(async_client_with):
    gate = threading.Event()
    async with async_client_with(loaded_runtime(gate), max_inflight=2) as client:
        held = [asyncio.create_task(post_png(client)) for _ in range(2)]
        await wait_for_in_flight(2)
        busy = await post_png(client)
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["error"]["message"] == "server busy: 2 requests in flight; retry after 1 s"
        assert (await client.get("/health/ready")).status_code == 200  # probes are never refused for load
        gate.set()
        assert [response.status_code for response in await asyncio.gather(*held)] == [200, 200]
        assert (await post_png(client)).status_code == 200


async def test_slow_handling_gets_504_and_frees_its_slot(async_client_with):
    gate = threading.Event()
    async with async_client_with(loaded_runtime(gate), max_inflight=1, request_timeout_s=0.3) as client:
        response = await post_png(client)
        assert response.status_code == 504
        assert response.json()["error"] == {
            "code": "timeout",
            "message": "request took longer than the limit of 0.3 s",
            "field": None,
        }
        gate.set()
        assert (await post_png(client)).status_code == 200


async def test_trickled_body_gets_408(async_client_with):
    consumed = []

    async def trickle():
        for chunk in (multipart_head(), b"\x89PNG", b"\r\n", b"\x1a\n"):
            consumed.append(chunk)
            yield chunk
            await asyncio.sleep(0.2)

    async with async_client_with(loaded_runtime(), request_timeout_s=0.3) as client:
        response = await client.post("/v1/predict", content=trickle(), headers=MULTIPART)
        assert response.status_code == 408
        assert response.json()["detail"] == "request body was not received within the limit of 0.3 s"
        assert response.headers["connection"] == "close"
        assert len(consumed) < 4
        assert (await post_png(client)).status_code == 200


async def test_declared_oversize_body_is_refused_unread(async_client_with):
    consumed = []

    async def body():
        for _ in range(10):
            consumed.append(1)
            yield b"x" * 1_000_000

    headers = {**MULTIPART, "Content-Length": "10000000"}
    async with async_client_with(loaded_runtime(), max_request_bytes=3_000_000) as client:
        response = await client.post("/v1/predict", content=body(), headers=headers)
        assert response.status_code == 413
        assert response.json()["detail"] == "request body of 10000000 bytes is over the limit of 3000000 bytes"
        assert response.headers["connection"] == "close"
    assert consumed == []


async def test_streamed_oversize_body_is_refused_once_past_the_limit(async_client_with):
    consumed = []

    async def body():
        yield multipart_head()
        for _ in range(20):
            consumed.append(1)
            yield b"x" * 500_000

    async with async_client_with(loaded_runtime(), max_request_bytes=3_000_000) as client:
        response = await client.post("/v1/predict", content=body(), headers=MULTIPART)  # chunked: no length given
        assert response.status_code == 413
        assert response.json()["error"] == {
            "code": "payload_too_large",
            "message": "request body is over the limit of 3000000 bytes",
            "field": None,
        }
        assert (await post_png(client)).status_code == 200
    assert len(consumed) <= 7  # stopped just past 3 MB, not after all 10 MB


async def test_content_length_that_is_not_a_number_is_refused(async_client_with):
    async with async_client_with(loaded_runtime()) as client:
        response = await client.post("/v1/predict", content=b"abc", headers={**MULTIPART, "Content-Length": "-3"})
        assert response.status_code == 400
        assert response.json()["detail"] == "Content-Length header is not a number"


async def test_file_under_the_body_limit_but_over_the_upload_limit_is_named(async_client_with):
    noise = png(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    assert len(noise) > 1000
    async with async_client_with(loaded_runtime(), max_upload_bytes=1000) as client:
        response = await client.post("/v1/predict", files={"image": ("a.png", noise, "image/png")})
        assert response.status_code == 413
        assert response.json()["detail"] == "image is larger than the limit of 1000 bytes"
