"""The requests a soak run sends: good slices and series from phantoms, and bad inputs with their expected 4xx."""

import gzip
import struct
import zlib
from dataclasses import dataclass

import cv2
import nibabel as nib
import numpy as np

from core.windowing import PNG16_HU_OFFSET, hu_to_brain_window_pixels
from tests.app.dicom_files import ct_bytes, series_bytes
from training.phantoms import generate_phantom

PHANTOM_SEEDS = range(9000, 9006)


@dataclass(frozen=True)
class Request:
    kind: str  # label in the report
    path: str
    files: list  # httpx files list
    expected: int  # status a healthy service answers
    weight: float

    @property
    def good(self) -> bool:
        return self.expected == 200


def encode(extension: str, array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(extension, array)
    if not ok:
        raise ValueError(f"could not encode {extension}")
    return buffer.tobytes()


def png_claiming(width: int, height: int) -> bytes:
    """A 60-byte PNG whose header claims width x height: a decompression bomb."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(16))) + chunk(b"IEND", b"")


def nifti(volume_hu: np.ndarray) -> list:
    """(x, y, z) HU (float32, or NaN for a bad one) -> a gzipped NIfTI upload: 0.5 mm pixels, 5 mm slices."""
    image = nib.Nifti1Image(volume_hu, np.diag([0.5, 0.5, 5.0, 1.0]))
    return [("volume", ("head.nii.gz", gzip.compress(image.to_bytes()), "application/gzip"))]


def image(data: bytes, mask: bytes | None = None, name: str = "slice.png") -> list:
    files = [("image", (name, data, "application/octet-stream"))]
    if mask is not None:
        files.append(("reference_mask", ("mask.png", mask, "image/png")))
    return files


def good_requests() -> list[Request]:
    phantoms = [generate_phantom(seed, matrix=512, positive=seed % 2 == 0) for seed in PHANTOM_SEEDS]
    requests = []
    for index, phantom in enumerate(phantoms):
        mask = encode(".png", phantom.mask.astype(np.uint8) * 255)
        window = hu_to_brain_window_pixels(phantom.hu)
        hu16 = np.clip(phantom.hu + PNG16_HU_OFFSET, 0, 65535).astype(np.uint16)
        requests += [
            Request("png8+mask", "/v1/predict", image(encode(".png", window), mask), 200, 3),
            Request("png16", "/v1/predict", image(encode(".png", hu16)), 200, 2),
            Request("jpeg", "/v1/predict/mask", image(encode(".jpg", window)), 200, 1),
            Request("dicom", "/v1/predict", image(ct_bytes(phantom.hu), name="slice.dcm"), 200, 2),
        ]
        if index == 0:
            volume = np.stack([p.hu for p in phantoms[:4]])
            files = [("files", (f"{i}.dcm", data, "application/dicom")) for i, data in enumerate(series_bytes(volume))]
            requests.append(Request("series4", "/v1/series", files, 200, len(phantoms) / 2))
            requests.append(
                Request(
                    "nifti4", "/v1/volume", nifti(volume.transpose(2, 1, 0).astype(np.float32)), 200, len(phantoms) / 2
                )
            )
    return requests


def bad_requests() -> list[Request]:
    noise = np.random.default_rng(0)
    small = encode(".png", np.full((96, 128), 90, np.uint8))
    return [
        Request("random-bytes", "/v1/predict", image(noise.integers(0, 256, 4000, np.uint8).tobytes()), 415, 1),
        Request("empty", "/v1/predict", image(b""), 400, 1),
        Request("truncated-png", "/v1/predict", image(small[: len(small) // 2]), 400, 1),
        Request("png-bomb", "/v1/predict", image(png_claiming(100_000, 100_000)), 400, 1),
        Request(
            "png16-out-of-range", "/v1/predict", image(encode(".png", np.full((64, 64), 65535, np.uint16))), 400, 1
        ),
        Request("mask-wrong-size", "/v1/predict", image(small, encode(".png", np.zeros((10, 12), np.uint8))), 400, 1),
        Request("no-image-field", "/v1/predict", [("other", ("x", b"1", "text/plain"))], 422, 1),
        Request("nifti-nan", "/v1/volume", nifti(np.full((32, 32, 2), np.nan, np.float32)), 400, 1),
    ]


def request_mix(bad_share: float) -> tuple[list[Request], np.ndarray]:
    """The requests and the probability of drawing each, so that bad ones make up `bad_share` of the traffic."""
    good, bad = good_requests(), bad_requests()
    weights = [r.weight / sum(g.weight for g in good) * (1 - bad_share) for r in good]
    weights += [r.weight / sum(b.weight for b in bad) * bad_share for r in bad]
    return good + bad, np.asarray(weights) / sum(weights)
