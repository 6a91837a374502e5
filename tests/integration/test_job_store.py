"""The job store on SQLite (the default) and on PostgreSQL (started by the test): claims, leases, finishing once,
deliveries with backoff, purge."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.integration.database import make_engine, migrate, session_factory, sqlite_url
from app.integration.deliveries import DeliveryQueue
from app.integration.store import JobStore
from tests.integration import job_store_cases as cases
from tests.integration.replicas import emptied_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path))
        migrate(engine)
        migrate(engine)  # upgrading an up-to-date store changes nothing
    else:
        engine = emptied_postgres(request.getfixturevalue("database_url"))
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def store(sessions, tmp_path):
    return JobStore(sessions, tmp_path)


def test_a_failed_statement_does_not_name_its_parameters(sessions):
    uid = "1.2.826.0.1.3680043.55501"
    with sessions() as session, pytest.raises(DBAPIError) as failed:
        session.execute(text("INSERT INTO no_such_table (sop_uid) VALUES (:uid)"), {"uid": uid})
    assert "no_such_table" in str(failed.value)  # the statement is still named, for the operator
    assert uid not in str(failed.value)


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
