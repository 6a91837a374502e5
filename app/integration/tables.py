"""The job store's tables (SQLAlchemy 2). Only UIDs are kept: no patient names or other identifiers.

Times are naive UTC, so SQLite and PostgreSQL compare them the same way.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UID = String(64)  # a DICOM UID is at most 64 characters


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Job(Base):
    """One received study: receiving -> queued -> running -> done | failed."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_uid: Mapped[str] = mapped_column(UID, index=True)
    source: Mapped[str] = mapped_column(String(16))  # stow or dimse
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str] = mapped_column(String(32), default="received")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime)  # receiving: complete after the quiet period
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)  # running: another replica may take it after
    worker: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    series_uid: Mapped[str | None] = mapped_column(UID)  # the series analysed
    selection: Mapped[str | None] = mapped_column(Text)  # JSON: each series and why it was taken or skipped
    answer: Mapped[str | None] = mapped_column(Text)  # JSON: the series answer
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)


class Instance(Base):
    """A received DICOM instance, spooled on disk until analysed and purged."""

    __tablename__ = "instances"
    __table_args__ = (UniqueConstraint("job_id", "sop_uid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    study_uid: Mapped[str] = mapped_column(UID)
    series_uid: Mapped[str] = mapped_column(UID)
    sop_uid: Mapped[str] = mapped_column(UID)
    sop_class_uid: Mapped[str] = mapped_column(UID)
    path: Mapped[str | None] = mapped_column(String(512))  # None once purged
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Result(Base):
    """A produced DICOM object (SEG, SR, secondary capture). The file lies in the data folder, not in the database:
    it carries the patient module, and the database keeps no identifiers beyond UIDs."""

    __tablename__ = "results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # seg, sr, sc
    study_uid: Mapped[str] = mapped_column(UID, index=True)
    series_uid: Mapped[str] = mapped_column(UID, index=True)
    sop_uid: Mapped[str] = mapped_column(UID, unique=True)
    sop_class_uid: Mapped[str] = mapped_column(UID)
    path: Mapped[str] = mapped_column(String(512))


class Delivery(Base):
    """One job's results to one destination: pending -> delivering -> delivered | failed (retryable)."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("job_id", "destination"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    destination: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """What happened to a job: received, analysed (model versions, timings), delivered, failed, purged."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    event: Mapped[str] = mapped_column(String(32))
    worker: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
