"""STOW-RS: store each part of a request in the spool, one job per study, and build the PS3.18 store response."""

import logging
from collections import Counter
from dataclasses import dataclass, field

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filebase import DicomBytesIO
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage

from app.integration import metrics
from app.integration.multipart import DICOM_TYPE, Part
from app.integration.store import InstanceUids, JobStore

log = logging.getLogger(__name__)
# PS3.18 Table I.2-1 / PS3.4 failure reasons
CANNOT_UNDERSTAND = 0xC000
SOP_CLASS_NOT_SUPPORTED = 0x0122
ACCEPTED_CLASSES = {CTImageStorage}


@dataclass
class StoreOutcome:
    referenced: list[Dataset] = field(default_factory=list)
    failed: list[Dataset] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)  # study UID -> job id

    @property
    def status_code(self) -> int:
        """200 all stored, 202 some stored and some failed, 409 none stored (PS3.18 10.5.3)."""
        if not self.failed:
            return 200
        return 202 if self.referenced else 409

    def response(self, base_url: str) -> dict:
        ds = Dataset()
        if len(self.jobs) == 1:
            ds.RetrieveURL = f"{base_url}/dicomweb/studies/{next(iter(self.jobs))}"
        ds.ReferencedSOPSequence = Sequence(self.referenced)
        if self.failed:
            ds.FailedSOPSequence = Sequence(self.failed)
        return ds.to_json_dict()


def _item(sop_class: str, sop: str, failure: int | None = None) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = sop_class, sop
    if failure is not None:
        item.FailureReason = failure
    return item


def store_parts(store: JobStore, parts: list[Part]) -> StoreOutcome:
    outcome, counts = StoreOutcome(), Counter()
    for part in parts:
        try:
            if part.content_type != DICOM_TYPE:
                raise InvalidDicomError(f"part of type {part.content_type}")
            ds = dcmread(DicomBytesIO(part.data), stop_before_pixels=True)
            uids = InstanceUids(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID)
        except Exception:  # noqa: BLE001 - whatever pydicom cannot read is a part this service cannot understand
            outcome.failed.append(_item("", "", CANNOT_UNDERSTAND))
            metrics.REJECTED.labels("stow", "unreadable").inc()
            continue
        if uids.sop_class not in ACCEPTED_CLASSES:
            outcome.failed.append(_item(uids.sop_class, uids.sop, SOP_CLASS_NOT_SUPPORTED))
            metrics.IGNORED.labels("stow", "sop_class").inc()
            continue
        if uids.study not in outcome.jobs:
            outcome.jobs[uids.study] = store.open_job(uids.study, "stow")
        job_id = outcome.jobs[uids.study]
        store.add_instance(job_id, uids, part.data)
        counts[job_id] += 1
        outcome.referenced.append(_item(uids.sop_class, uids.sop))
        metrics.RECEIVED.labels("stow").inc()
    for job_id, count in counts.items():
        store.queue(job_id, count)
    log.info("STOW-RS: %s stored, %s failed, %s jobs", len(outcome.referenced), len(outcome.failed), len(outcome.jobs))
    return outcome
