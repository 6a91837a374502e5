"""The bad-input corpus for single slices: each case is a request the service must refuse with a 4xx naming why."""

from dataclasses import dataclass, field

import numpy as np

from tests.app.images import HEIGHT, WIDTH, bleed_mask, jpeg, png
from tests.reliability.bad_files import good_jpeg, good_png, jpeg_claiming, png_claiming, random_bytes, truncated

# The limits the corpus server runs with (tests/reliability/test_bad_input_corpus.py).
MAX_UPLOAD_BYTES, MAX_REQUEST_BYTES, MAX_PIXELS, MAX_SLICES = 2_000_000, 3_000_000, 2048 * 2048, 8
LIMIT_ENV = {
    "ICH_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
    "ICH_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
    "ICH_MAX_IMAGE_PIXELS": str(MAX_PIXELS),
    "ICH_MAX_SERIES_SLICES": str(MAX_SLICES),
}
PNG_MAGIC, JPEG_MAGIC = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    message: str  # must appear in the answer's detail
    files: list = field(default_factory=list)  # httpx `files` list: (field, (filename, bytes, content type))
    path: str = "/v1/predict"
    method: str = "POST"
    data: dict | None = None
    content: bytes | None = None
    headers: dict | None = None


def image(data: bytes, mask: bytes | None = None, filename: str = "slice.png", kind: str = "image/png") -> list:
    files = [("image", (filename, data, kind))]
    if mask is not None:
        files.append(("reference_mask", ("mask.png", mask, "image/png")))
    return files


def noise_png(side: int) -> bytes:
    return png(np.random.default_rng(side).integers(0, 256, (side, side), dtype=np.uint8))


def png16(value: int, where: tuple = (slice(None), slice(None))) -> bytes:
    array = np.full((HEIGHT, WIDTH), 1024 + 30, np.uint16)
    array[where] = value
    return png(array)


def mask_png(array: np.ndarray) -> bytes:
    return png(array.astype(np.uint8))


def empty_and_truncated() -> list[Case]:
    cases = [Case("empty image", 400, "image is empty", image(b""))]
    cut = "could not be decoded; the file is corrupt or truncated"
    for keep in (8, 16, 33, 0.5, 0.9):
        cases.append(Case(f"PNG cut to {keep}", 400, "PNG " + cut, image(truncated(good_png(), keep))))
    cases.append(Case("PNG without IEND", 400, "PNG " + cut, image(good_png()[:-12])))
    for keep in (0.5, 0.8):
        cases.append(Case(f"JPEG cut to {keep}", 400, "JPEG " + cut, image(truncated(good_jpeg(), keep))))
    cases.append(Case("JPEG magic only", 400, "JPEG could not be decoded", image(JPEG_MAGIC)))
    return cases


def random_and_mislabelled() -> list[Case]:
    unknown = "unrecognised file format: expected PNG, JPEG or DICOM"
    cases = [
        Case(f"random {size} bytes labelled PNG", 415, unknown, image(random_bytes(size, size)))
        for size in (1, 7, 100, 10_000, 1_000_000)
    ]
    cases += [
        Case("PNG magic then random", 400, "PNG could not be decoded", image(random_bytes(1, 5000, PNG_MAGIC))),
        Case("JPEG magic then zeros", 400, "JPEG could not be decoded", image(JPEG_MAGIC + bytes(5000))),
        Case("text labelled PNG", 415, unknown, image(b"GET / HTTP/1.1\r\n\r\n")),
        Case("GIF", 415, unknown, image(b"GIF89a" + random_bytes(3, 100), "slice.gif", "image/gif")),
    ]
    return cases


def decompression_bombs(path: str = "/v1/predict") -> list[Case]:
    over = f"pixels, over the limit of {MAX_PIXELS}"
    claims = [
        ("PNG 100000x100000", png_claiming(100_000, 100_000), "image is 100000x100000 " + over),
        ("PNG 100000x100000 RGBA 16-bit", png_claiming(100_000, 100_000, 16, 6), "image is 100000x100000 " + over),
        ("PNG 1x2147483647", png_claiming(1, 2**31 - 1), "image is 1x2147483647 " + over),
        ("PNG 20000x20000", png_claiming(20_000, 20_000), "image is 20000x20000 " + over),
        ("JPEG 65535x65535", jpeg_claiming(65_535, 65_535), "image is 65535x65535 " + over),
        ("progressive JPEG 60000x1000", jpeg_claiming(60_000, 1000, True), "image is 60000x1000 " + over),
    ]
    cases = [Case(f"{name} on {path}", 400, message, image(data), path) for name, data, message in claims]
    cases.append(Case(f"PNG 0x0 on {path}", 400, "PNG could not be decoded", image(png_claiming(0, 0)), path))
    return cases


def sixteen_bit() -> list[Case]:
    range_message = "HU + 1024 cannot exceed 31743"
    return [
        Case(
            "16-bit PNG all 65535", 400, "image holds 16-bit values up to 65535; " + range_message, image(png16(65535))
        ),
        Case("16-bit PNG one pixel 40000", 400, "up to 40000", image(png16(40000, (0, 0)))),
        Case("16-bit PNG on /mask", 400, range_message, image(png16(50000)), "/v1/predict/mask"),
        Case(
            "16-bit colour PNG",
            415,
            "uint16 image with 3 channels is not supported",
            image(png(np.zeros((64, 64, 3), np.uint16))),
        ),
    ]


def reference_masks() -> list[Case]:
    base, shape = good_png(), f"but the image is {WIDTH}x{HEIGHT}"
    binary = "reference_mask must be binary (0 and one non-zero value)"
    bleed = bleed_mask().astype(np.uint8) * 255
    labels = bleed // 255 + (np.arange(WIDTH)[None, :] > WIDTH // 2)
    return [
        Case("mask smaller", 400, f"reference_mask is 12x10 {shape}", image(base, mask_png(np.zeros((10, 12))))),
        Case("mask transposed", 400, f"reference_mask is {HEIGHT}x{WIDTH} {shape}", image(base, mask_png(bleed.T))),
        Case("mask bomb", 400, f"reference_mask is 100000x100000 {shape}", image(base, png_claiming(100_000, 100_000))),
        Case("mask grey ramp", 400, binary, image(base, mask_png(np.indices((HEIGHT, WIDTH))[1] % 256))),
        Case("mask as lossy JPEG", 400, binary, image(base, jpeg(bleed))),
        Case("mask with labels 0/1/2", 400, "holds 2 distinct non-zero values", image(base, mask_png(labels))),
        Case("mask empty", 400, "reference_mask is empty", image(base, b"")),
        Case("mask random bytes", 415, "reference_mask must be a PNG", image(base, random_bytes(4, 300))),
        Case("mask truncated", 400, "reference_mask could not be decoded", image(base, mask_png(bleed)[:60])),
    ]


def oversized() -> list[Case]:
    big = noise_png(1500)
    assert MAX_UPLOAD_BYTES < len(big) < MAX_REQUEST_BYTES
    under = noise_png(1300)
    assert len(under) < MAX_UPLOAD_BYTES < 2 * len(under) and 2 * len(under) > MAX_REQUEST_BYTES
    return [
        Case("image over upload limit", 413, f"image is larger than the limit of {MAX_UPLOAD_BYTES} bytes", image(big)),
        Case(
            "mask over upload limit",
            413,
            f"reference_mask is larger than the limit of {MAX_UPLOAD_BYTES} bytes",
            image(good_png(), big),
        ),
        Case("body over request limit", 413, f"over the limit of {MAX_REQUEST_BYTES} bytes", image(under, under)),
    ]


def malformed_requests() -> list[Case]:
    return [
        Case("no image field", 422, "image: Field required", [("other", ("x", b"1", "text/plain"))]),
        Case("image as a text field", 422, "image", data={"image": "not a file"}),
        Case(
            "JSON instead of multipart",
            422,
            "image",
            content=b'{"image": "x"}',
            headers={"Content-Type": "application/json"},
        ),
        Case(
            "broken multipart",
            422,
            "image: Field required",
            content=b'--b\r\nContent-Disposition: form-data; name="image"; filename="a"\r\n\r\nabc--',
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        ),
        Case("GET on predict", 405, "Method Not Allowed", method="GET"),
        Case("unknown path", 404, "Not Found", path="/v1/predict/../../etc/passwd", method="GET"),
    ]


def slice_cases() -> list[Case]:
    return [
        *empty_and_truncated(),
        *random_and_mislabelled(),
        *decompression_bombs(),
        *decompression_bombs("/v1/predict/mask")[:2],
        *sixteen_bit(),
        *reference_masks(),
        *oversized(),
        *malformed_requests(),
    ]
