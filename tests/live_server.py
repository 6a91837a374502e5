"""Start the real service under uvicorn on a free loopback port, for tests over real HTTP."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(model_store: Path, target: str = "app.main:app", **env_overrides: str):
    """`target` is the ASGI app uvicorn serves, e.g. tests.reliability.fake_app:app for fake models."""
    port = free_port()
    env = {**os.environ, "ICH_MODEL_STORE": str(model_store), "TF_CPP_MIN_LOG_LEVEL": "2", **env_overrides}
    # The server's own log, kept outside the repository for post-mortems of a failed test.
    log = open(Path(tempfile.gettempdir()) / f"ich-uvicorn-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            raise TimeoutError("service did not become ready")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
