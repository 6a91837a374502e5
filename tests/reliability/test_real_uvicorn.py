"""Over real sockets against real uvicorn (fake models): slow clients, early refusals, graceful shutdown."""

import json
import os
import signal
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from loadtest.server import uvicorn_server
from tests.reliability.bad_files import good_png
from tests.reliability.fake_app import DELAY_ENV

APP = "tests.reliability.fake_app:app"
TIMEOUT_S = 1.0
MAX_REQUEST_BYTES = 3_000_000


def server_env(store, **extra) -> dict[str, str]:
    return {
        "ICH_MODEL_STORE": str(store),
        "ICH_REQUEST_TIMEOUT_S": str(TIMEOUT_S),
        "ICH_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
        "ICH_LOG_LEVEL": "DEBUG",
        **extra,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    with uvicorn_server(APP, server_env(store), store.parent / "fake-uvicorn.log", ready_timeout_s=60) as running:
        yield running


def connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def predict_ok(base_url: str) -> bool:
    response = httpx.post(f"{base_url}/v1/predict", files={"image": ("a.png", good_png())}, timeout=10)
    return response.status_code == 200


def refused(base_url: str) -> bool:
    # A connection the closing listener accepted and then reset was refused too: no answer came.
    try:
        httpx.get(f"{base_url}/health/live", timeout=1)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
        return True
    return False


def head(declared_length: int) -> bytes:
    return (
        "POST /v1/predict HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {declared_length}\r\n\r\n"
    ).encode()


def test_trickling_client_is_cut_off_with_408_and_others_are_served(server):
    sock = connect(server.base_url)
    sock.sendall(head(100_000) + b"--b\r\n")
    answer = bytearray()

    def read():  # read as bytes arrive, before a reset caused by our further sending can discard them
        try:
            while chunk := sock.recv(65536):
                answer.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=read)
    reader.start()
    started = time.monotonic()
    for _ in range(100):  # one byte every 0.1 s: would take 10 s to send 100 bytes
        if answer or not reader.is_alive():
            break
        try:
            sock.sendall(b"x")
        except OSError:
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    reader.join(timeout=10)
    sock.close()
    assert bytes(answer).startswith(b"HTTP/1.1 408 ")
    assert b"request body was not received within the limit of 1 s" in answer
    assert TIMEOUT_S - 0.2 <= elapsed < TIMEOUT_S + 2  # the server's clock starts a moment before or after ours
    assert predict_ok(server.base_url)


def test_declared_oversize_body_is_refused_before_it_is_sent(server):
    sock = connect(server.base_url)
    sock.sendall(head(10**10))  # claims 10 GB; nothing follows
    answer = read_until_closed(sock)  # the server answers and closes without waiting for the body
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"request body of 10000000000 bytes is over the limit of 3000000 bytes" in answer
    assert predict_ok(server.base_url)


def test_idle_connection_without_a_request_does_not_block_others(server):
    idle = [connect(server.base_url) for _ in range(20)]
    try:
        assert predict_ok(server.base_url)
    finally:
        for sock in idle:
            sock.close()


def test_every_log_line_is_json(server):
    """Python warnings and OpenCV's complaints about corrupt files included (TensorFlow is not loaded here)."""
    httpx.post(f"{server.base_url}/v1/predict", files={"image": ("a.png", good_png()[:100])})
    assert predict_ok(server.base_url)
    lines = server.log_path.read_text().splitlines()
    assert len(lines) > 5
    records = [json.loads(line) for line in lines]
    assert {"ts", "level", "logger", "message", "request_id"} <= set(records[-1])


def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(tmp_path):
    env = server_env(tmp_path, **{DELAY_ENV: "2", "ICH_REQUEST_TIMEOUT_S": "30"})
    with uvicorn_server(APP, env, tmp_path / "uvicorn.log", ready_timeout_s=60) as running:
        results = {}

        def slow_request():
            results["response"] = httpx.post(
                f"{running.base_url}/v1/predict", files={"image": ("a.png", good_png())}, timeout=30
            )

        worker = threading.Thread(target=slow_request)
        worker.start()
        deadline = time.monotonic() + 10
        while "ich_http_requests_in_flight 1.0" not in httpx.get(f"{running.base_url}/metrics").text:
            assert time.monotonic() < deadline, "request never went in flight"
            time.sleep(0.05)
        os.kill(running.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not refused(running.base_url):
            assert time.monotonic() < deadline, "new connections were still accepted 5 s after SIGTERM"
            time.sleep(0.05)
        assert worker.is_alive()  # refused while the held request is still in flight
        worker.join(timeout=30)
        assert results["response"].status_code == 200
        assert results["response"].json()["probability"] >= 0
        # uvicorn re-raises the signal once it has shut down cleanly, so the exit status is -SIGTERM
        assert running.process.wait(timeout=30) in (0, -signal.SIGTERM)
    log = (tmp_path / "uvicorn.log").read_text()
    order = [
        log.index(line) for line in ("Waiting for connections to close", '"/v1/predict"', "Finished server process")
    ]
    assert order == sorted(order)  # the slow request finished during shutdown, then the process ended
