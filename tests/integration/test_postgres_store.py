"""The job store on PostgreSQL (started by the test): the same cases as on SQLite, and two service processes
sharing one database, where each job is taken by one of them only (SELECT ... FOR UPDATE SKIP LOCKED)."""

import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from app.integration import multipart
from app.integration.database import make_engine, migrate, session_factory
from app.integration.deliveries import DeliveryQueue
from app.integration.store import JobStore
from app.integration.tables import AuditEvent
from tests.integration import job_store_cases as cases
from tests.integration.conftest import slow_integration
from tests.integration.replicas import postgres, postgres_available, replica
from tests.integration.study_files import as_files, study

pytestmark = pytest.mark.skipif(not postgres_available(), reason="apt install postgresql")
STUDIES = 6


@pytest.fixture(scope="module")
def database_url():
    with postgres() as url:
        yield url


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:  # each test starts from empty tables
        connection.exec_driver_sql("TRUNCATE audit_events, deliveries, results, instances, jobs RESTART IDENTITY")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def store(sessions, tmp_path):
    return JobStore(sessions, tmp_path)


def test_one_claim_per_job(store):
    cases.one_claim_per_job(store)


def test_an_instance_after_the_claim_starts_a_new_job(store):
    cases.an_instance_after_the_claim_starts_a_new_job(store)


def test_a_lapsed_lease_is_taken_over(store):
    cases.a_lapsed_lease_is_taken_over_and_the_old_worker_cannot_finish(store)


def test_deliveries_back_off_fail_and_retry(store, sessions):
    cases.deliveries_back_off_then_fail_and_can_be_retried(store, DeliveryQueue(sessions, 3, 0.3))


def test_purge(store, tmp_path):
    cases.purge_removes_spooled_files_of_finished_jobs(store, tmp_path / "spool")


@slow_integration
def test_two_replicas_share_the_jobs_and_run_each_once(sessions, database_url, tmp_path):
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
    with sessions() as session:
        workers = Counter(session.scalars(select(AuditEvent.worker).where(AuditEvent.event == "analysed")))
    assert len(workers) == 2, workers  # both replicas worked
