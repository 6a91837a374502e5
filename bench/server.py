"""Start a server under uvicorn on a loopback port, time it from process start to ready, read its peak RSS."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from loadtest.server import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 300
POLL_S = 0.05
APPS = {"ours": "app.main:app", "naive": "bench.naive_baseline:app"}


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    cold_start_s: float

    def peak_rss_mib(self) -> float:
        """VmHWM: the most resident memory the process has held since it started."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM missing from /proc status")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(
    name: str,
    store: Path,
    log_dir: Path,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    root: Path = ROOT,
) -> Server:
    """Launch and wait until /health/ready answers 200; the wait is the cold start. `python` and `root` run another
    environment (one without TensorFlow) or another checkout of the code (bench.cold_start)."""
    port = free_port()
    environment = {**os.environ, "ICH_MODEL_STORE": str(store), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    command = [python, "-m", "uvicorn", APPS[name], "--host", "127.0.0.1", "--port", str(port)]
    log = open(log_dir / f"{name}-{port}.log", "w")  # noqa: SIM115 - the process writes to it until stopped
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, READY_TIMEOUT_S, poll_s=POLL_S)
    except (RuntimeError, TimeoutError) as error:
        process.kill()
        error.add_note(f"{name} server log: {log.name}")
        raise
    return Server(name, process, url, time.perf_counter() - started)
