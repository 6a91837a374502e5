"""Start the service under real uvicorn on a free loopback port and wait until it is ready."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: a test server must never listen on the hospital network


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    log_path: Path

    def rss_bytes(self) -> int:
        """Resident set size of the server process, from /proc (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_ready(
    base_url: str, process: subprocess.Popen, timeout_s: float, headers: dict | None = None, poll_s: float = 0.3
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=2, headers=headers).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(poll_s)
    raise TimeoutError(f"service at {base_url} not ready after {timeout_s} s")


@contextmanager
def uvicorn_server(app: str, env: dict[str, str], log_path: Path, ready_timeout_s: float = 300.0):
    """Yield a ready Server; SIGTERM it on exit (uvicorn then finishes requests in flight)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
    with open(log_path, "a") as log:  # append: a restarted server keeps the log of the one before it
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env}, stdout=log, stderr=log
        )
    server = Server(f"http://{HOST}:{port}", process, log_path)
    try:
        wait_ready(server.base_url, process, ready_timeout_s)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
