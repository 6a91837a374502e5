"""Dataset loaders: each turns one public layout on disk into SliceRecords (HU, mask, labels, patient).

Each layout also has a labels reader (POSITIVES) that says which patients have a hemorrhage without
decoding their images, so a split is drawn first and each loader then decodes only the patients asked for.
"""

from training.datasets.ctich_jpg import ctich_jpg_positives, load_ctich_jpg
from training.datasets.ctich_nifti import ctich_nifti_positives, load_ctich_nifti
from training.datasets.folder import folder_positives, load_folder
from training.datasets.phantoms import load_phantoms
from training.datasets.records import ANY, DatasetError, SliceRecord
from training.datasets.rsna_dicom import load_rsna_dicom, rsna_dicom_positives

# Loaders that read a layout under one root folder, by the name the command line uses:
# loader(root, patients=None) yields the records of those patients (all when None).
LOADERS = {
    "ctich-nifti": load_ctich_nifti,
    "ctich-jpg": load_ctich_jpg,
    "folder": load_folder,
    "rsna-dicom": load_rsna_dicom,
}
# positives(root) -> {patient: any slice positive}, equal to splits.patient_positives over the loader's records.
POSITIVES = {
    "ctich-nifti": ctich_nifti_positives,
    "ctich-jpg": ctich_jpg_positives,
    "folder": folder_positives,
    "rsna-dicom": rsna_dicom_positives,
}

__all__ = [
    "ANY",
    "LOADERS",
    "POSITIVES",
    "DatasetError",
    "SliceRecord",
    "load_ctich_jpg",
    "load_ctich_nifti",
    "load_folder",
    "load_phantoms",
    "load_rsna_dicom",
]
