"""Per-slice labels of both PhysioNet CT-ICH releases (hemorrhage_diagnosis*.csv)."""

import csv
from pathlib import Path

from training.datasets.records import ANY, DatasetError

# CSV column -> the classifier's subtype name.
CSV_SUBTYPES = {
    "Epidural": "epidural",
    "Subdural": "subdural",
    "Subarachnoid": "subarachnoid",
    "Intraparenchymal": "intraparenchymal",
    "Intraventricular": "intraventricular",
}
REQUIRED_COLUMNS = ("PatientNumber", "SliceNumber", *CSV_SUBTYPES, "No_Hemorrhage")
FRACTURE_COLUMN = "Fracture_Yes_No"


def patient_id(number: int) -> str:
    """CT-ICH names files and folders by the zero-padded patient number (049, 130)."""
    return f"{number:03d}"


def _flag(path: Path, line: int, value: str) -> bool:
    try:
        return bool(int(float(value)))
    except ValueError as e:
        raise DatasetError(f"{path.name} line {line}: expected 0 or 1, got {value!r}") from e


def read_slice_labels(path: Path) -> dict[tuple[str, int], tuple[dict[str, bool], dict]]:
    """(patient id, 1-based SliceNumber) -> (labels, extra). `any` is set when a subtype is
    marked or No_Hemorrhage is 0, so a row that contradicts itself errs towards positive."""
    if not path.is_file():
        raise DatasetError(f"label file not found: {path.name}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise DatasetError(f"{path.name}: missing columns {', '.join(missing)}")
        rows = {}
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            key = (patient_id(int(float(row["PatientNumber"]))), int(float(row["SliceNumber"])))
            labels = {name: _flag(path, line, row[column]) for column, name in CSV_SUBTYPES.items()}
            labels[ANY] = any(labels.values()) or not _flag(path, line, row["No_Hemorrhage"])
            extra = {"fracture": _flag(path, line, row[FRACTURE_COLUMN])} if row.get(FRACTURE_COLUMN) else {}
            rows[key] = (labels, extra)
    return rows


def patients_in(labels: dict[tuple[str, int], tuple]) -> list[str]:
    return sorted({patient for patient, _ in labels})
