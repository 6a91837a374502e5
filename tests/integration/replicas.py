"""Service processes for the restart and multi-replica tests: the real app with fake models under uvicorn, whose
process a test may kill -9; and a PostgreSQL server (Debian `postgresql`) in a temporary folder."""

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from app.integration.database import make_engine, migrate
from loadtest.server import free_port, uvicorn_server

PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)


@contextmanager
def replica(model_store: Path, log_path: Path, **env: str):
    """tests.reliability.fake_app under uvicorn with ICH_* `env`; the caller may kill the process itself."""
    with uvicorn_server(
        "tests.reliability.fake_app:app", {"ICH_MODEL_STORE": str(model_store), **env}, log_path, 120
    ) as server:
        yield server


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


def emptied_postgres(url: str):
    """An engine on the migrated database with every table emptied, so each test starts from job 1."""
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE audit_events, deliveries, results, instances, jobs RESTART IDENTITY")
    return engine
