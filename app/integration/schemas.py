"""The JSON shape of a job: its status, progress, errors, series selection, answer, DICOM results and deliveries."""

from datetime import datetime

from pydantic import BaseModel, Field


class SeriesChoiceOut(BaseModel):
    series_uid: str
    instances: int
    taken: bool
    reason: str


class ResultOut(BaseModel):
    kind: str = Field(description="seg (DICOM Segmentation), sr (TID 1500 report) or sc (secondary capture)")
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    url: str = Field(description="WADO-RS address of the instance")


class DeliveryOut(BaseModel):
    destination: str
    status: str = Field(description="pending, delivering, delivered or failed (POST .../deliveries/retry)")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class EventOut(BaseModel):
    at: datetime
    event: str
    detail: dict | None


class JobOut(BaseModel):
    id: int
    status: str = Field(description="receiving, queued, running, done or failed")
    stage: str
    progress: float
    source: str = Field(description="stow (DICOMweb) or dimse (C-STORE)")
    study_instance_uid: str
    series_instance_uid: str | None
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    selection: list[SeriesChoiceOut] | None
    answer: dict | None = Field(description="the /v1/series answer for the analysed series")
    results: list[ResultOut]
    deliveries: list[DeliveryOut]
    events: list[EventOut]


class RetryOut(BaseModel):
    requeued: int


class PurgeOut(BaseModel):
    purged_files: int
