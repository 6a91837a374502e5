"""Delivery rows: each job's results to each configured destination, retried with exponential backoff."""

import json
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.integration.claims import claim
from app.integration.tables import AuditEvent, Delivery, utcnow


def add_deliveries(session: Session, job_id: int, destinations: list[str]) -> None:
    for destination in destinations:
        session.add(Delivery(job_id=job_id, destination=destination, status="pending"))


def _claimable(now: datetime):
    return or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "delivering", Delivery.lease_until < now),
    )


def _event(session: Session, delivery: Delivery, event: str, worker: str, **detail) -> None:
    detail = {"destination": delivery.destination, "attempt": delivery.attempts, **detail}
    session.add(AuditEvent(job_id=delivery.job_id, event=event, worker=worker, detail=json.dumps(detail)))


class DeliveryQueue:
    def __init__(self, sessions: sessionmaker, max_attempts: int, backoff_s: float):
        self.sessions, self.max_attempts, self.backoff_s = sessions, max_attempts, backoff_s

    def claim(self, worker: str, lease_s: float) -> Delivery | None:
        with self.sessions() as session:
            values = {"status": "delivering", "attempts": Delivery.attempts + 1}
            return claim(session, Delivery, _claimable, worker, lease_s, values)

    def delivered(self, delivery: Delivery, worker: str, objects: int) -> None:
        with self.sessions() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id)
                .values(status="delivered", delivered_at=utcnow(), last_error=None, lease_until=None)
            )
            _event(session, delivery, "delivered", worker, objects=objects)
            session.commit()

    def attempt_failed(self, delivery: Delivery, worker: str, error: str) -> None:
        """Retry after backoff_s * 2^(attempt-1), or fail for good after max_attempts (a retry request restarts it)."""
        final = delivery.attempts >= self.max_attempts
        wait = timedelta(seconds=self.backoff_s * 2 ** (delivery.attempts - 1))
        with self.sessions() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id)
                .values(
                    status="failed" if final else "pending",
                    next_attempt_at=utcnow() + wait,
                    last_error=error,
                    lease_until=None,
                )
            )
            _event(session, delivery, "delivery_failed" if final else "delivery_retry", worker, error=error)
            session.commit()

    def retry(self, job_id: int) -> int:
        """Failed deliveries of a job go back to pending with a fresh count of attempts; how many."""
        with self.sessions() as session:
            failed = session.scalars(select(Delivery).where(Delivery.job_id == job_id, Delivery.status == "failed"))
            count = 0
            for delivery in failed:
                delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
                _event(session, delivery, "delivery_requeued", None)
                count += 1
            session.commit()
            return count

    def of_job(self, job_id: int) -> list[Delivery]:
        with self.sessions() as session:
            return list(session.scalars(select(Delivery).where(Delivery.job_id == job_id).order_by(Delivery.id)))
