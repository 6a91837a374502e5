"""Where a DICOM slice lies in the patient (LPS, mm): orientation, position along the slice normal, axial or not."""

from dataclasses import dataclass

import numpy as np

from app.errors import InvalidInput, UnsupportedImage

# Gantry tilt on head CT reaches about 30 degrees; past 45 the plane is closer to coronal or sagittal than axial.
MAX_AXIAL_TILT_DEG = 45.0
# Direction cosines are written with a few decimals; tighter tolerances would refuse real files.
UNIT_TOLERANCE = 1e-3
PATIENT_AXES = ("sagittal", "coronal", "axial")  # plane whose normal is patient x, y, z


@dataclass(frozen=True)
class SliceGeometry:
    """ImagePositionPatient (centre of the first pixel) and the row/column direction cosines."""

    position: np.ndarray  # (3,) mm
    row_direction: np.ndarray  # (3,) unit vector along a row (increasing column index)
    column_direction: np.ndarray  # (3,) unit vector down a column (increasing row index)

    @property
    def normal(self) -> np.ndarray:
        return np.cross(self.row_direction, self.column_direction)

    @property
    def tilt_deg(self) -> float:
        """Angle between the slice normal and the patient's head-foot axis."""
        return float(np.degrees(np.arccos(min(1.0, abs(float(self.normal[2]))))))

    def distance_along(self, normal: np.ndarray) -> float:
        """Signed position of this plane along a (shared) slice normal."""
        return float(np.dot(self.position, normal))


def _floats(value, count: int, keyword: str) -> np.ndarray:
    try:
        numbers = np.asarray([float(v) for v in value], dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"DICOM {keyword} is not numeric", "image") from e
    if numbers.shape != (count,) or not np.isfinite(numbers).all():
        raise InvalidInput(f"DICOM {keyword} must hold {count} finite numbers", "image")
    return numbers


def read_geometry(ds) -> SliceGeometry | None:
    """The slice's plane, or None when the file does not say (allowed for a single slice)."""
    position, orientation = ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient")
    if not position or not orientation:
        return None
    cosines = _floats(orientation, 6, "ImageOrientationPatient")
    row, column = cosines[:3], cosines[3:]
    unit = abs(np.linalg.norm(row) - 1) < UNIT_TOLERANCE and abs(np.linalg.norm(column) - 1) < UNIT_TOLERANCE
    if not unit or abs(float(np.dot(row, column))) > UNIT_TOLERANCE:
        raise InvalidInput("DICOM ImageOrientationPatient is not two orthogonal unit vectors", "image")
    return SliceGeometry(_floats(position, 3, "ImagePositionPatient"), row, column)


def require_axial(geometry: SliceGeometry | None) -> None:
    """Refuse coronal and sagittal reformats: the models only ever saw axial slices."""
    if geometry is None or geometry.tilt_deg <= MAX_AXIAL_TILT_DEG:
        return
    plane = PATIENT_AXES[int(np.argmax(np.abs(geometry.normal)))]
    raise UnsupportedImage(
        f"DICOM slice is {plane}, not axial: its normal is {geometry.tilt_deg:.0f} degrees from the head-foot axis "
        f"(at most {MAX_AXIAL_TILT_DEG:.0f} accepted)",
        "image",
    )
