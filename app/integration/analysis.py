"""One job's analysis: select the series, run the scan flow on it, and write the answer as SEG, SR and capture.

Runs in the worker, outside any request; the scan flow is the one /v1/series uses.
"""

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.uid import generate_uid

from app.answers import series_response
from app.integration.capture import write_capture
from app.integration.provenance import Provenance
from app.integration.seg import write_seg
from app.integration.selection import as_json, group_by_series, select_series
from app.integration.sr import write_sr
from app.integration.store import InstanceUids, Produced
from app.pipeline.flows.scan_flow import VolumeConfig, run_dicom_series
from app.serving.runtime import LoadedModels

log = logging.getLogger(__name__)
# highdicom logs each source instance's UIDs at INFO as it copies patient and study modules: no identifiers in logs.
logging.getLogger("highdicom").setLevel(logging.WARNING)


class NoSeriesToAnalyse(Exception):
    def __init__(self, message: str, selection: list[dict]):
        super().__init__(message)
        self.selection = selection


@dataclass
class Analysis:
    series_uid: str
    selection: list[dict]
    answer: dict
    produced: list[Produced]

    def outcome(self, models: LoadedModels) -> dict:
        """What the store records: the answer, and the audit detail (model versions and timings)."""
        audit = {
            "series_uid": self.series_uid,
            "models": [{"name": v.name, "version": v.version} for v in models.versions],
            "timings_ms": self.answer.get("timings_ms", {}),
            "objects": [item.kind for item in self.produced],
        }
        return {"series_uid": self.series_uid, "selection": self.selection, "answer": self.answer, "audit": audit}


def to_bytes(ds: Dataset) -> bytes:
    buffer = DicomBytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _produced(kind: str, ds: Dataset) -> Produced:
    uids = InstanceUids(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID)
    return Produced(kind, uids, to_bytes(ds))


def analyse(models: LoadedModels, instances, config: VolumeConfig) -> Analysis:
    """instances: the job's Instance rows. Raises NoSeriesToAnalyse, or the scan flow's ServiceError."""
    series_uid, choices = select_series(group_by_series(instances), config.max_slices)
    selection = as_json(choices)
    for choice in choices:
        log.info("series %s: %s", "taken" if choice.taken else "skipped", choice.reason)
    if series_uid is None:
        raise NoSeriesToAnalyse("no axial head CT series in the study", selection)
    paths = [i.path for i in instances if i.series_uid == series_uid and i.path]
    files = [Path(p).read_bytes() for p in paths]
    outcome = run_dicom_series(models, files, None, replace(config, montage=True))
    answer = series_response(outcome, config.threshold, models).model_dump(mode="json")
    sources = [dcmread(DicomBytesIO(files[ref.upload_index])) for ref in outcome.refs]
    provenance = Provenance.of(models)
    seg = write_seg(sources, outcome.result.masks, provenance, generate_uid(), generate_uid())
    sr = write_sr(sources, seg, answer, provenance, generate_uid(), generate_uid())
    capture = write_capture(sources[0], outcome.montage, provenance, generate_uid(), generate_uid())
    produced = [_produced("seg", seg), _produced("sr", sr), _produced("sc", capture)]
    return Analysis(series_uid, selection, answer, produced)
