"""Service processes for the restart and multi-replica tests: the real app with fake models under uvicorn, whose
process a test may kill -9; and a PostgreSQL server (Debian `postgresql`) in a temporary folder."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live_server import ROOT, free_port

READY_TIMEOUT_S = 120
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)


@dataclass
class Replica:
    base: str
    process: subprocess.Popen


@contextmanager
def replica(model_store: Path, log_path: Path, **env: str):
    """tests.reliability.fake_app under uvicorn with ICH_* `env`; the caller may kill the process itself."""
    port = free_port()
    environ = {**os.environ, "ICH_MODEL_STORE": str(model_store), **env}
    log = open(log_path, "a")
    command = [sys.executable, "-m", "uvicorn", "tests.reliability.fake_app:app", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=environ, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with {process.returncode}; see {log_path}")
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            raise TimeoutError("the service did not become ready")
        yield Replica(base, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def postgres_available() -> bool:
    return PG_BIN is not None and (os.geteuid() != 0 or shutil.which("runuser") is not None)


@contextmanager
def postgres():
    """A throwaway PostgreSQL on a loopback port (trust auth); yields its SQLAlchemy URL. Root cannot run
    postgres, so as root the server runs as the `postgres` user, in a folder of its own under /tmp (pytest's
    folders are private to root)."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="ich-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "pgdata", free_port()
    run = dict(check=True, capture_output=True, timeout=120)
    subprocess.run(
        [*as_user, f"{PG_BIN}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"], **run
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, f"{PG_BIN}/pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(folder / "pg.log"), "start"],
        **run,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, f"{PG_BIN}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"], timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
