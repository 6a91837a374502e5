"""Pick the axial head CT series of a study, and say why each other series was skipped.

Skipped: other SOP classes (SR, dose reports), localizers (scouts), non-axial reformats, other body parts, series
too small for a scan, and bone-kernel duplicates of a soft-tissue series. Of the rest the one with the most slices
that fits the slice limit is taken.
"""

import re
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import CTImageStorage

MIN_SLICES = 3
AXIAL_MIN_COSINE = 0.9  # slice normal within ~25 degrees of the patient's z axis (gantry tilt allowed)
# Body Part Examined is often free text ("BASE 3MM"); only parts that are clearly not the head rule a series out.
OTHER_PARTS = {"CHEST", "ABDOMEN", "PELVIS", "ABDOMENPELVIS", "CHESTABDOMEN", "LUNG", "HEART", "BREAST", "KNEE", "HIP"}
# Sharp reconstruction kernels: GE BONE/BONEPLUS, Siemens H60+/J60+/B60+/Br60+, Canon FC30+, any "SHARP".
BONE_KERNEL = re.compile(r"BONE|SHARP|^[HJ][6-9]\d|^BR?[6-9]\d|^FC3\d", re.IGNORECASE)


@dataclass
class SeriesChoice:
    series_uid: str
    instances: int
    taken: bool
    reason: str


def _normal(ds: Dataset) -> np.ndarray | None:
    orientation = ds.get("ImageOrientationPatient")
    if orientation is None or len(orientation) != 6:
        return None
    return np.cross(np.asarray(orientation[:3], float), np.asarray(orientation[3:], float))


def _kernel(ds: Dataset) -> str:
    kernel = ds.get("ConvolutionKernel", "")
    if isinstance(kernel, MultiValue):
        kernel = kernel[0] if kernel else ""
    return str(kernel)


def _skip_reason(headers: list[Dataset], max_slices: int) -> str | None:
    first = headers[0]
    if first.get("SOPClassUID") != CTImageStorage:
        return f"not a CT image series (SOP class {first.get('SOPClassUID')})"
    if any("LOCALIZER" in [str(v).upper() for v in ds.get("ImageType", [])] for ds in headers):
        return "localizer (scout) images"
    normal = _normal(first)
    if normal is None or abs(normal[2]) < AXIAL_MIN_COSINE:
        return "not axial"
    part = str(first.get("BodyPartExamined", "")).upper().replace(" ", "")
    if part in OTHER_PARTS:
        return f"body part {part}, not head"
    if len(headers) < MIN_SLICES:
        return f"{len(headers)} slices, under the {MIN_SLICES} that make a scan"
    if len(headers) > max_slices:
        return f"{len(headers)} slices, over the limit of {max_slices}"
    return None


def select_series(paths_by_series: dict[str, list[str]], max_slices: int) -> tuple[str | None, list[SeriesChoice]]:
    """{series UID: spooled file paths} -> (the series to analyse or None, a choice for every series)."""
    headers = {uid: [dcmread(p, stop_before_pixels=True) for p in paths] for uid, paths in paths_by_series.items()}
    choices, candidates = {}, []
    for uid, series in headers.items():
        reason = _skip_reason(series, max_slices)
        choices[uid] = SeriesChoice(uid, len(series), False, reason or "")
        if reason is None:
            candidates.append(uid)
    soft = [uid for uid in candidates if not BONE_KERNEL.search(_kernel(headers[uid][0]))]
    for uid in set(candidates) - set(soft) if soft else ():
        choices[uid].reason = f"bone-kernel ({_kernel(headers[uid][0])}) duplicate of a soft-tissue series"
    pool = soft or candidates
    chosen = max(pool, key=lambda uid: len(headers[uid]), default=None)
    for uid in pool:
        choices[uid].reason = "the axial head CT series" if uid == chosen else "another axial series has more slices"
        choices[uid].taken = uid == chosen
    return chosen, list(choices.values())


def group_by_series(instances) -> dict[str, list[str]]:
    groups = defaultdict(list)
    for instance in instances:
        if instance.path:
            groups[instance.series_uid].append(instance.path)
    return dict(groups)


def as_json(choices: list[SeriesChoice]) -> list[dict]:
    return [asdict(choice) for choice in choices]
