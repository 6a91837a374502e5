"""Refusals: a file that is not one grayscale axial CT image gets a 4xx naming the problem, before pixels decode."""

import re

from app.errors import InvalidInput, UnsupportedImage

PIXEL_DATA_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
LOCALIZER_TYPES = {"LOCALIZER", "SCOUT", "TOPOGRAM"}
GRAYSCALE = {"MONOCHROME1", "MONOCHROME2"}
# Code strings are short upper-case tokens; anything else is not echoed back.
CODE_STRING = re.compile(r"^[A-Z0-9 _]{1,16}$")


def _code(value) -> str:
    text = str(value).strip() if value not in (None, "") else ""
    if not text:
        return "missing"
    return text if CODE_STRING.match(text) else "not a valid code string"


def require_ct(ds) -> None:
    modality = _code(ds.get("Modality"))
    if modality != "CT":
        raise UnsupportedImage(f"DICOM Modality is {modality}, expected CT", "image")


def require_pixel_data(ds) -> None:
    if not any(keyword in ds for keyword in PIXEL_DATA_KEYWORDS):
        raise InvalidInput("DICOM file has no pixel data", "image")
    if "PixelData" not in ds:
        raise UnsupportedImage("DICOM float pixel data is not supported; CT stores integers with a rescale", "image")


def require_single_frame(ds) -> None:
    frames = ds.get("NumberOfFrames", 1)
    try:
        frames = int(frames or 1)
    except (TypeError, ValueError) as e:
        raise InvalidInput("DICOM NumberOfFrames is not a number", "image") from e
    if frames != 1:
        raise UnsupportedImage(
            f"DICOM file holds {frames} frames; one slice per file is expected (send each slice as its own file)",
            "image",
        )


def require_grayscale(ds) -> None:
    samples = ds.get("SamplesPerPixel", 1)
    photometric = _code(ds.get("PhotometricInterpretation"))
    if samples != 1 or photometric not in GRAYSCALE:
        raise UnsupportedImage(
            f"DICOM image is {photometric} with {samples} samples per pixel; a colour picture such as a secondary "
            "capture holds no HU: send the original grayscale CT slice",
            "image",
        )


def require_not_localizer(ds) -> None:
    values = ds.get("ImageType", [])
    image_type = [_code(value) for value in ([values] if isinstance(values, str) else values)]
    if LOCALIZER_TYPES & set(image_type):
        raise UnsupportedImage(
            f"DICOM image is a localizer (ImageType {'/'.join(image_type)}), not an axial slice", "image"
        )


def require_size(ds, max_pixels: int) -> None:
    rows, columns = ds.get("Rows"), ds.get("Columns")
    if not rows or not columns:
        raise InvalidInput("DICOM image has no Rows/Columns", "image")
    if int(rows) * int(columns) > max_pixels:
        raise InvalidInput(f"image is {columns}x{rows} pixels, over the limit of {max_pixels}", "image")


def require_ct_image(ds, max_pixels: int) -> None:
    """Every refusal, cheapest and most telling first; none of them reads pixel data."""
    require_ct(ds)
    require_pixel_data(ds)
    require_single_frame(ds)
    require_grayscale(ds)
    require_not_localizer(ds)
    require_size(ds, max_pixels)
