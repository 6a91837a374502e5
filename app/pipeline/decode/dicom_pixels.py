"""DICOM pixel data -> HU: decompression through the pinned pylibjpeg plugins, padding, then the modality rescale.

Array convention: float32 (rows, columns) in HU, row 0 as stored (anterior at the top for a supine axial scan).
"""

import numpy as np
from pydicom import uid
from pydicom.pixels import apply_modality_lut

from app.errors import InvalidInput, UnsupportedImage
from core.windowing import AIR_HU

# Nothing in a CT is less dense than air; lower values are fill outside the reconstruction circle.
HU_FLOOR = -1024.0

NATIVE = {
    uid.ImplicitVRLittleEndian: "Implicit VR Little Endian",
    uid.ExplicitVRLittleEndian: "Explicit VR Little Endian",
    uid.DeflatedExplicitVRLittleEndian: "Deflated Explicit VR Little Endian",
    uid.ExplicitVRBigEndian: "Explicit VR Big Endian",
}
# Every one of these decodes through pylibjpeg (libjpeg, openjpeg, rle plugins), pinned in requirements.txt.
COMPRESSED = {
    uid.RLELossless: "RLE Lossless",
    uid.JPEGBaseline8Bit: "JPEG Baseline",
    uid.JPEGExtended12Bit: "JPEG Extended",
    uid.JPEGLossless: "JPEG Lossless",
    uid.JPEGLosslessSV1: "JPEG Lossless SV1",
    uid.JPEGLSLossless: "JPEG-LS Lossless",
    uid.JPEGLSNearLossless: "JPEG-LS Near-Lossless",
    uid.JPEG2000Lossless: "JPEG 2000 Lossless",
    uid.JPEG2000: "JPEG 2000",
    uid.HTJ2KLossless: "HTJ2K Lossless",
    uid.HTJ2KLosslessRPCL: "HTJ2K Lossless RPCL",
    uid.HTJ2K: "HTJ2K",
}
# One decoder for every compressed syntax, so that tests exercise what production runs whatever else is installed.
DECODING_PLUGIN = "pylibjpeg"


def supported_syntaxes() -> list[str]:
    return [*NATIVE.values(), *COMPRESSED.values()]


def _describe(syntax: uid.UID) -> str:
    return f"{syntax.name} ({syntax})" if syntax.name != str(syntax) else str(syntax)


def require_supported_syntax(ds) -> None:
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if syntax is None:
        raise InvalidInput("DICOM file meta has no TransferSyntaxUID", "image")
    if syntax not in NATIVE and syntax not in COMPRESSED:
        raise UnsupportedImage(
            f"DICOM transfer syntax {_describe(syntax)} is not supported; supported: {', '.join(supported_syntaxes())}",
            "image",
        )


def stored_values(ds) -> np.ndarray:
    """The stored pixel values, masked to BitsStored and sign-extended by pydicom."""
    if ds.file_meta.TransferSyntaxUID in COMPRESSED:
        ds.pixel_array_options(decoding_plugin=DECODING_PLUGIN)
    try:
        pixels = ds.pixel_array
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # ValueError, RuntimeError... and pylibjpeg-rle's Rust panic, a BaseException
        raise InvalidInput(
            f"DICOM pixel data could not be decoded ({ds.file_meta.TransferSyntaxUID.name}): "
            "the file is corrupt or truncated",
            "image",
        ) from e
    if pixels.shape != (ds.Rows, ds.Columns):
        raise InvalidInput(f"DICOM pixel data has shape {pixels.shape}, expected ({ds.Rows}, {ds.Columns})", "image")
    return pixels


def padding_mask(ds, stored: np.ndarray) -> np.ndarray | None:
    """Pixels marked as padding by PixelPaddingValue (and PixelPaddingRangeLimit), compared on stored values."""
    value = ds.get("PixelPaddingValue")
    if value is None:
        return None
    limit = ds.get("PixelPaddingRangeLimit", value)
    low, high = min(int(value), int(limit)), max(int(value), int(limit))
    return (stored >= low) & (stored <= high)


def _rescale(ds) -> tuple[float, float] | None:
    slope, intercept = ds.get("RescaleSlope"), ds.get("RescaleIntercept")
    if intercept is None or intercept == "":
        return None
    slope = 1.0 if slope in (None, "") else float(slope)
    if not np.isfinite(slope) or slope == 0 or not np.isfinite(float(intercept)):
        raise InvalidInput(
            f"DICOM RescaleSlope {slope} / RescaleIntercept {intercept} cannot map pixels to HU", "image"
        )
    return slope, float(intercept)


def to_hu(ds, stored: np.ndarray) -> np.ndarray:
    """Stored values -> HU through RescaleSlope/Intercept (or a Modality LUT), in float so nothing truncates.

    MONOCHROME1 only says how to display: it applies after the VOI LUT (PS3.3 C.7.6.3.1.2), so HU are not inverted.
    """
    rescale = _rescale(ds)
    if rescale is not None:
        slope, intercept = rescale
        hu = stored.astype(np.float64) * slope + intercept
    elif "ModalityLUTSequence" in ds:
        hu = apply_modality_lut(stored, ds).astype(np.float64)
    else:
        raise InvalidInput("DICOM image has no RescaleIntercept or Modality LUT: HU cannot be derived", "image")
    padding = padding_mask(ds, stored)
    if padding is not None:
        hu[padding] = AIR_HU
    return np.maximum(hu, HU_FLOOR).astype(np.float32)
