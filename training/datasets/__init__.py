"""Dataset loaders: each turns one public layout on disk into SliceRecords (HU, mask, labels, patient)."""

from training.datasets.ctich_jpg import load_ctich_jpg
from training.datasets.ctich_nifti import load_ctich_nifti
from training.datasets.folder import load_folder
from training.datasets.phantoms import load_phantoms
from training.datasets.records import ANY, DatasetError, SliceRecord
from training.datasets.rsna_dicom import load_rsna_dicom

# Loaders that read a layout under one root folder, by the name the command line uses.
LOADERS = {
    "ctich-nifti": load_ctich_nifti,
    "ctich-jpg": load_ctich_jpg,
    "folder": load_folder,
    "rsna-dicom": load_rsna_dicom,
}

__all__ = [
    "ANY",
    "LOADERS",
    "DatasetError",
    "SliceRecord",
    "load_ctich_jpg",
    "load_ctich_nifti",
    "load_folder",
    "load_phantoms",
    "load_rsna_dicom",
]
