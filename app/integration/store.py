"""The durable job store: received instances, jobs, produced objects and the audit trail.

Received files wait in data_dir/spool/JOB/ until analysed and purged; produced objects lie in
data_dir/results/JOB/KIND.dcm. The database holds UIDs and paths, no patient data.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from app.integration.claims import claim
from app.integration.deliveries import add_deliveries
from app.integration.tables import AuditEvent, Instance, Job, Result, utcnow

MAX_JOB_ATTEMPTS = 3  # a study that kills its worker (out of memory) is failed rather than retried for ever


@dataclass(frozen=True)
class InstanceUids:
    study: str
    series: str
    sop: str
    sop_class: str


@dataclass(frozen=True)
class Produced:
    kind: str  # seg, sr, sc
    uids: InstanceUids
    data: bytes


def _job_claimable(now: datetime):
    return or_(
        Job.status == "queued",
        and_(Job.status == "receiving", Job.ready_at <= now),
        and_(Job.status == "running", Job.lease_until < now),
    )


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


class JobStore:
    def __init__(self, sessions: sessionmaker, data_dir: Path):
        self.sessions, self.spool, self.results_dir = sessions, data_dir / "spool", data_dir / "results"

    def audit(self, session, job_id: int | None, event: str, worker: str | None = None, **detail) -> None:
        session.add(
            AuditEvent(job_id=job_id, event=event, worker=worker, detail=json.dumps(detail) if detail else None)
        )

    # Receiving
    def open_job(self, study_uid: str, source: str) -> int:
        """A job that the caller fills and then queues (STOW-RS: one per study in a request)."""
        with self.sessions() as session:
            job = Job(study_uid=study_uid, source=source, status="filling")
            session.add(job)
            session.commit()
            return job.id

    def receive_dimse(self, uids: InstanceUids, data: bytes, quiet_s: float) -> int:
        """C-STORE: into the study's job still receiving (or a new one), complete once quiet for `quiet_s`."""
        for _ in range(3):  # a worker may take the job between finding it and adding to it: then a new job
            ready = utcnow() + timedelta(seconds=quiet_s)
            job_id = self._receiving_job(uids.study, ready)
            if self.add_instance(job_id, uids, data, ready):
                return job_id
        raise RuntimeError("the study's job was taken by a worker three times while receiving")

    def _receiving_job(self, study_uid: str, ready: datetime) -> int:
        with self.sessions() as session:
            query = select(Job.id).where(Job.study_uid == study_uid, Job.status == "receiving").order_by(Job.id)
            if (job_id := session.scalars(query.limit(1)).first()) is not None:
                return job_id
            job = Job(study_uid=study_uid, source="dimse", status="receiving", ready_at=ready)
            session.add(job)
            session.commit()
            return job.id

    def add_instance(self, job_id: int, uids: InstanceUids, data: bytes, ready: datetime | None = None) -> bool:
        """Spool the file, then record it; the same SOP instance sent twice to one job is kept once.

        With `ready` (C-STORE), only while the job is still receiving, and its completion moves to `ready` in the
        same transaction; False when a worker took the job meanwhile (nothing is kept).
        """
        with self.sessions() as session:
            query = select(Instance.id).where(Instance.job_id == job_id, Instance.sop_uid == uids.sop)
            if session.scalars(query).first() is not None:
                return True
        # Named by a hash of the UID: a path in an error message or a listing names no instance.
        path = self.spool / str(job_id) / f"{hashlib.sha256(uids.sop.encode()).hexdigest()[:32]}.dcm"
        _write(path, data)
        with self.sessions() as session:
            if ready is not None:
                still = update(Job).where(Job.id == job_id, Job.status == "receiving")
                if session.execute(still.values(ready_at=ready, updated_at=utcnow())).rowcount != 1:
                    session.rollback()
                    path.unlink(missing_ok=True)
                    return False
            session.add(
                Instance(
                    job_id=job_id,
                    study_uid=uids.study,
                    series_uid=uids.series,
                    sop_uid=uids.sop,
                    sop_class_uid=uids.sop_class,
                    path=str(path),
                )
            )
            try:
                session.commit()
            except IntegrityError:  # the same instance arrived twice at once, on two associations
                session.rollback()
            return True

    def queue(self, job_id: int, instances: int) -> None:
        with self.sessions() as session:
            session.execute(update(Job).where(Job.id == job_id).values(status="queued", updated_at=utcnow()))
            self.audit(session, job_id, "received", instances=instances)
            session.commit()

    # Working
    def claim_job(self, worker: str, lease_s: float) -> Job | None:
        with self.sessions() as session:
            values = {"status": "running", "attempts": Job.attempts + 1, "updated_at": utcnow()}
            job = claim(session, Job, _job_claimable, worker, lease_s, values)
            if job is not None and job.source == "dimse" and job.attempts == 1:
                count = session.scalar(select(func.count()).where(Instance.job_id == job.id))
                self.audit(session, job.id, "received", worker, instances=count)
                session.commit()
            return job

    def instances(self, job_id: int) -> list[Instance]:
        with self.sessions() as session:
            return list(session.scalars(select(Instance).where(Instance.job_id == job_id).order_by(Instance.id)))

    def progress(self, job_id: int, worker: str, stage: str, progress: float, lease_s: float) -> bool:
        """Record the stage and renew the lease; False when the job is no longer this worker's."""
        with self.sessions() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
                .values(stage=stage, progress=progress, lease_until=utcnow() + timedelta(seconds=lease_s))
            )
            session.commit()
            return result.rowcount == 1

    def finish(self, job_id: int, worker: str, outcome: dict, produced: list[Produced], destinations: list[str]):
        """Results, deliveries and the 'analysed' event in one transaction: a job is analysed once or not at all."""
        paths = [self.results_dir / str(job_id) / f"{item.kind}.dcm" for item in produced]
        for path, item in zip(paths, produced):
            _write(path, item.data)
        with self.sessions() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
                .values(
                    status="done",
                    stage="done",
                    progress=1.0,
                    series_uid=outcome["series_uid"],
                    selection=json.dumps(outcome["selection"]),
                    answer=json.dumps(outcome["answer"]),
                    updated_at=utcnow(),
                )
            )
            if result.rowcount != 1:  # our lease ran out and another worker took the job: its answer stands
                session.rollback()
                for path in paths:
                    path.unlink(missing_ok=True)
                return False
            for path, item in zip(paths, produced):
                session.add(
                    Result(
                        job_id=job_id,
                        kind=item.kind,
                        study_uid=item.uids.study,
                        series_uid=item.uids.series,
                        sop_uid=item.uids.sop,
                        sop_class_uid=item.uids.sop_class,
                        path=str(path),
                    )
                )
            self.audit(session, job_id, "analysed", worker, **outcome["audit"])
            add_deliveries(session, job_id, destinations)
            session.commit()
            return True

    def fail(self, job_id: int, worker: str, error: str, selection: list | None = None) -> None:
        with self.sessions() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status="failed",
                    error=error,
                    selection=json.dumps(selection) if selection is not None else None,
                    updated_at=utcnow(),
                )
            )
            self.audit(session, job_id, "failed", worker, error=error)
            session.commit()

    # Reading and housekeeping
    def job(self, job_id: int) -> Job | None:
        with self.sessions() as session:
            return session.get(Job, job_id)

    def results(self, **where) -> list[Result]:
        with self.sessions() as session:
            query = select(Result).filter_by(**where).order_by(Result.id)
            return list(session.scalars(query))

    @staticmethod
    def read(result: Result) -> bytes:
        return Path(result.path).read_bytes()

    def events(self, job_id: int) -> list[AuditEvent]:
        with self.sessions() as session:
            return list(session.scalars(select(AuditEvent).where(AuditEvent.job_id == job_id).order_by(AuditEvent.id)))

    def purge(self, older_than: datetime) -> int:
        """Delete the spooled files of finished jobs last changed before `older_than`; the rows keep their UIDs."""
        with self.sessions() as session:
            jobs = session.scalars(
                select(Job).where(
                    Job.status.in_(("done", "failed")), Job.purged_at.is_(None), Job.updated_at < older_than
                )
            ).all()
            files = 0
            for job in jobs:
                for instance in session.scalars(select(Instance).where(Instance.job_id == job.id)):
                    if instance.path:
                        Path(instance.path).unlink(missing_ok=True)
                        instance.path, files = None, files + 1
                folder = self.spool / str(job.id)
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                job.purged_at = utcnow()
                self.audit(session, job.id, "purged")
            session.commit()
            return files
