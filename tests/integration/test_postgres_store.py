"""Two service processes sharing one PostgreSQL database (started by the test), where each job is taken by one of
them only (SELECT ... FOR UPDATE SKIP LOCKED). The job store cases on PostgreSQL are in test_job_store.py."""

import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from app.integration import multipart
from app.integration.database import session_factory
from app.integration.tables import AuditEvent
from tests.integration.conftest import slow_integration
from tests.integration.replicas import emptied_postgres, postgres_available, replica
from tests.integration.study_files import as_files, study

pytestmark = pytest.mark.skipif(not postgres_available(), reason="apt install postgresql")
STUDIES = 6


@slow_integration
def test_two_replicas_share_the_jobs_and_run_each_once(database_url, tmp_path):
    engine = emptied_postgres(database_url)
    env = {
        "ICH_INTEGRATION": "true",
        "ICH_DATABASE_URL": database_url,
        "ICH_DATA_DIR": str(tmp_path / "data"),  # the shared volume both replicas spool to
        "ICH_WORKER_POLL_S": "0.05",
        "FAKE_MODEL_DELAY_S": "0.5",  # each job holds its worker a while, so both replicas get work
    }
    log = tmp_path / "replicas.log"
    with replica(tmp_path, log, **env) as first, replica(tmp_path, log, **env) as second:
        for index in range(STUDIES):
            body, content_type = multipart.build(as_files(study(with_extras=False)[1]))
            target = (first, second)[index % 2].base_url
            headers = {"Content-Type": content_type}
            stored = httpx.post(f"{target}/dicomweb/studies", content=body, headers=headers, timeout=60)
            assert stored.status_code == 200, stored.text
        deadline, jobs = time.monotonic() + 120, []
        while time.monotonic() < deadline:
            jobs = [httpx.get(f"{first.base_url}/v1/jobs/{i}", timeout=30).json() for i in range(1, STUDIES + 1)]
            if all(job["status"] == "done" for job in jobs):
                break
            time.sleep(0.3)
    assert [job["status"] for job in jobs] == ["done"] * STUDIES, jobs
    analysed = [[e for e in job["events"] if e["event"] == "analysed"] for job in jobs]
    assert [len(events) for events in analysed] == [1] * STUDIES
    assert all(job["attempts"] == 1 for job in jobs)
    with session_factory(engine)() as session:
        workers = Counter(session.scalars(select(AuditEvent.worker).where(AuditEvent.event == "analysed")))
    engine.dispose()
    assert len(workers) == 2, workers  # both replicas worked
