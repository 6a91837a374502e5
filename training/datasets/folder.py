"""A generic folder: images/NAME and masks/NAME with matching names, in PNG or NIfTI.

Slices are split by patient, so names must say whose they are: a single-slice file is named
PATIENT_SLICE (017_12.png), and a NIfTI holding several slices is one patient's volume
(017.nii.gz, slice k along its third axis). PNGs follow the service's convention: 16-bit is
HU + 1024, 8-bit is the 0..80 HU brain window. Labels come from the masks, so a patient's labels
are read without decoding the images (folder_positives).
"""

import re
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np

from training.datasets.images import read_mask_image, read_nifti_axial, read_png_hu
from training.datasets.records import ANY, HU_FORM, DatasetError, SliceRecord, validate

IMAGES, MASKS = "images", "masks"
SUFFIXES = (".png", ".nii.gz", ".nii")
SLICE_NAME = re.compile(r"^(?P<patient>.+)_(?P<slice>\d+)$")


def split_name(path: Path) -> tuple[str, str]:
    """'017_12.nii.gz' -> ('017_12', '.nii.gz')."""
    for suffix in SUFFIXES:
        if path.name.lower().endswith(suffix):
            return path.name[: -len(suffix)], suffix
    raise DatasetError(f"{IMAGES}/{path.name}: unsupported file type; use {', '.join(SUFFIXES)}")


def read_stack(path: Path, suffix: str) -> tuple[np.ndarray, tuple | None, str]:
    """Any supported file -> (S, H, W) HU, spacing or None, input form."""
    if suffix == ".png":
        hu, form = read_png_hu(path)
        return hu[None], None, form
    volume, spacing = read_nifti_axial(path)
    return volume, spacing, HU_FORM


def read_mask_stack(folder: Path, stem: str) -> np.ndarray:
    for suffix in SUFFIXES:
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return read_mask_image(path)[None] if suffix == ".png" else read_nifti_axial(path)[0] > 0
    raise DatasetError(f"{MASKS}/: no mask named {stem} for {IMAGES}/{stem}")


def _entries(root: Path) -> list[tuple[str, int | None, Path, str]]:
    """(patient, slice or None for a volume, path, suffix), in patient then slice order."""
    entries = []
    for path in sorted((root / IMAGES).iterdir()):
        if path.name.startswith("."):
            continue
        stem, suffix = split_name(path)
        match = SLICE_NAME.match(stem)
        entries.append((match["patient"], int(match["slice"])) if match else (stem, None))
        entries[-1] += (path, suffix)
    return sorted(entries, key=lambda e: (e[0], -1 if e[1] is None else e[1]))


def _check_folders(root: Path) -> None:
    for folder in (IMAGES, MASKS):
        if not (root / folder).is_dir():
            raise DatasetError(f"{folder}/ not found in {root}")


def folder_positives(root: Path) -> dict[str, bool]:
    """patient -> whether any of the patient's masks has a hemorrhage pixel; the images stay unread."""
    root = Path(root)
    _check_folders(root)
    positives: dict[str, bool] = {}
    for patient, _, path, _ in _entries(root):
        masks = read_mask_stack(root / MASKS, split_name(path)[0])
        positives[patient] = positives.get(patient, False) or bool(masks.any())
    return positives


def load_folder(root: Path, patients: Collection[str] | None = None) -> Iterator[SliceRecord]:
    """Every image slice of `patients` (all when None) with its mask; `any` is whether the mask has
    a hemorrhage pixel."""
    root = Path(root)
    _check_folders(root)
    for patient, number, path, suffix in _entries(root):
        if patients is not None and patient not in patients:
            continue
        stem = split_name(path)[0]
        stack, spacing, form = read_stack(path, suffix)
        masks = read_mask_stack(root / MASKS, stem)
        if masks.shape != stack.shape:
            raise DatasetError(f"{MASKS}/{stem}: mask shape {masks.shape} differs from the image's {stack.shape}")
        if number is None and len(stack) == 1:
            raise DatasetError(f"{IMAGES}/{path.name}: a single slice must be named PATIENT_SLICE, e.g. 017_12{suffix}")
        if number is not None and len(stack) > 1:
            raise DatasetError(
                f"{IMAGES}/{path.name}: holds {len(stack)} slices; name a volume by its patient alone, e.g. 017{suffix}"
            )
        for index, (hu, mask) in enumerate(zip(stack, masks)):
            slice_index = index if number is None else number
            yield validate(SliceRecord(hu, mask, {ANY: bool(mask.any())}, patient, slice_index, spacing, form))
