"""Job store behaviour that must hold on every database (test_job_store.py runs them on SQLite and PostgreSQL)."""

import time
from datetime import timedelta
from pathlib import Path

from app.integration.deliveries import DeliveryQueue
from app.integration.store import InstanceUids, JobStore, Produced
from app.integration.tables import utcnow

OUTCOME = {"series_uid": "1.2.3", "selection": [], "answer": {"probability": 0.5}, "audit": {"models": []}}


def queued_job(store: JobStore, instances: int = 2) -> int:
    job_id = store.open_job("1.2.840.1", "stow")
    for index in range(instances):
        uids = InstanceUids("1.2.840.1", "1.2.840.1.1", f"1.2.840.1.1.{index}", "1.2.840.10008.5.1.4.1.1.2")
        store.add_instance(job_id, uids, b"DICM-ish")
    store.queue(job_id, instances)
    return job_id


def one_claim_per_job(store: JobStore) -> None:
    job_id = queued_job(store)
    first, second = store.claim_job("a", 60), store.claim_job("b", 60)
    assert first.id == job_id and first.worker == "a" and first.attempts == 1
    assert second is None


def a_lapsed_lease_is_taken_over_and_the_old_worker_cannot_finish(store: JobStore) -> None:
    job_id = queued_job(store)
    assert store.claim_job("a", 0.2).id == job_id
    assert store.claim_job("b", 60) is None
    time.sleep(0.3)
    taken = store.claim_job("b", 60)
    assert taken.id == job_id and taken.worker == "b" and taken.attempts == 2
    assert store.finish(job_id, "a", OUTCOME, [], []) is False  # "a" was presumed dead
    produced = [
        Produced("sr", InstanceUids("1.2.840.1", "9.9", f"9.9.{job_id}", "1.2.840.10008.5.1.4.1.1.88.34"), b"x")
    ]
    assert store.finish(job_id, "b", OUTCOME, produced, ["http://127.0.0.1:9/dicomweb"]) is True
    assert [e.event for e in store.events(job_id)] == ["received", "analysed"]
    assert store.job(job_id).status == "done"


def deliveries_back_off_then_fail_and_can_be_retried(store: JobStore, deliveries: DeliveryQueue) -> None:
    job_id = queued_job(store)
    store.claim_job("a", 60)
    store.finish(job_id, "a", OUTCOME, [], ["AE@127.0.0.1:9"])
    first = deliveries.claim("a", 60)
    assert first.job_id == job_id and deliveries.claim("b", 60) is None
    deliveries.attempt_failed(first, "a", "refused")
    assert deliveries.claim("a", 60) is None  # waiting out the backoff
    pending = deliveries.of_job(job_id)[0]
    assert pending.status == "pending" and pending.next_attempt_at > utcnow()
    for _ in range(deliveries.max_attempts):
        delivery = None
        while delivery is None:
            time.sleep(0.05)
            delivery = deliveries.claim("a", 60)
        if delivery.attempts == deliveries.max_attempts:
            deliveries.attempt_failed(delivery, "a", "refused")
            break
        deliveries.attempt_failed(delivery, "a", "refused")
    failed = deliveries.of_job(job_id)[0]
    assert failed.status == "failed" and failed.last_error == "refused"
    assert deliveries.retry(job_id) == 1
    assert deliveries.claim("a", 60).attempts == 1


def purge_removes_spooled_files_of_finished_jobs(store: JobStore, spool: Path) -> None:
    job_id = queued_job(store)
    store.claim_job("a", 60)
    assert store.purge(utcnow() + timedelta(hours=1)) == 0  # running jobs keep their files
    store.finish(job_id, "a", OUTCOME, [], [])
    assert store.purge(utcnow() - timedelta(hours=1)) == 0  # not old enough
    assert store.purge(utcnow() + timedelta(hours=1)) == 2
    assert not (spool / str(job_id)).exists()
    assert all(i.path is None for i in store.instances(job_id))
    assert store.events(job_id)[-1].event == "purged"


def an_instance_after_the_claim_starts_a_new_job(store: JobStore) -> None:
    def uids(index: int) -> InstanceUids:
        return InstanceUids("1.2.840.2", "1.2.840.2.1", f"1.2.840.2.1.{index}", "1.2.840.10008.5.1.4.1.1.2")

    first = store.receive_dimse(uids(0), b"DICM-ish", quiet_s=0)
    assert store.receive_dimse(uids(0), b"DICM-ish", quiet_s=0) == first  # sent twice: kept once
    assert store.claim_job("a", 60).id == first
    assert store.add_instance(first, uids(1), b"DICM-ish", utcnow()) is False  # the job is no longer receiving
    second = store.receive_dimse(uids(1), b"DICM-ish", quiet_s=60)
    assert second != first
    assert [i.sop_uid for i in store.instances(first)] == [uids(0).sop]
    assert [i.sop_uid for i in store.instances(second)] == [uids(1).sop]
    assert len(list((store.spool / str(first)).iterdir())) == 1  # the refused file was not left behind
