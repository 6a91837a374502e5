"""POST /v1/volume: NIfTI in any orientation; mask volume back on the input's grid; mL, Dice; every refusal."""

import base64
import gzip
from io import BytesIO

import nibabel as nib
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.app.dicom_files import block_slice
from tests.app.nifti_files import display_image, nifti_bytes, read_nifti_bytes, reoriented

SIZE, SLICES = 64, 5
SPACING = (3.0, 3.2, 4.0)  # rows, columns, slices (mm): 64 px span a head, so the slices are assessed
MAX_SLICES, MAX_PIXELS, MAX_VOXELS = 8, 1024 * 1024, 4_000_000


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        model_store=tmp_path,
        max_upload_bytes=2_000_000,
        max_image_pixels=MAX_PIXELS,
        max_series_slices=MAX_SLICES,
        max_volume_voxels=MAX_VOXELS,
        series_batch_slices=3,
    )


def volume() -> np.ndarray:
    """(slices, rows, columns), inferior first; slice k holds a bleed 4k rows tall, placed off-centre so that a
    flip or transpose would show."""
    hu = np.stack([block_slice(SIZE, bleed_hu=30.0) for _ in range(SLICES)])
    for k in range(1, SLICES):
        hu[k, 10 : 10 + 4 * k, 8:20] = 75.0
    return hu


def masks() -> np.ndarray:
    """What the fake segmenter paints (>= 64 HU), less the skull the service cuts away."""
    hu = volume()
    return (hu >= 64.0) & (hu < 100.0)


def post(client, volume_bytes: bytes, mask_bytes: bytes | None = None, query: str = ""):
    files = {"volume": ("scan.nii.gz", volume_bytes, "application/gzip")}
    if mask_bytes is not None:
        files["reference_mask"] = ("mask.nii.gz", mask_bytes, "application/gzip")
    return client.post(f"/v1/volume{query}", files=files)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["message"]


@pytest.mark.parametrize("codes", [("R", "A", "S"), ("L", "P", "S"), ("L", "A", "I"), ("S", "R", "A")])
@pytest.mark.parametrize("gz", [True, False], ids=["nii.gz", "nii"])
def test_volume_in_any_orientation_gives_display_slices_and_a_mask_on_its_own_grid(client, codes, gz):
    scan = reoriented(display_image(volume(), SPACING), codes)
    reference = reoriented(display_image(masks().astype(np.uint8), SPACING, np.uint8), codes)
    response = post(client, nifti_bytes(scan, gz), nifti_bytes(reference, gz))
    assert response.status_code == 200
    body = response.json()
    order = range(SLICES) if "S" in codes else range(SLICES - 1, -1, -1)  # slices keep the stored order
    areas = [int(masks()[k].sum()) for k in order]
    assert [s["area_pixels"] for s in body["slices"]] == areas
    assert body["input"]["pixel_spacing_mm"] == pytest.approx(SPACING[:2])
    assert body["input"]["slice_spacing_mm"] == pytest.approx(SPACING[2])
    assert body["bleed_volume_ml"] == pytest.approx(sum(areas) * np.prod(SPACING) / 1000)
    assert body["dice"] == 1.0 and all(s["dice"] == 1.0 for s in body["slices"])
    assert all(s["mask_png_base64"] is None for s in body["slices"])
    returned = read_nifti_bytes(base64.b64decode(body["mask_nifti_base64"]))
    np.testing.assert_allclose(returned.affine, scan.affine)
    assert returned.shape == scan.shape and returned.get_data_dtype() == np.uint8
    np.testing.assert_array_equal(np.asarray(returned.dataobj), np.asarray(reference.dataobj))
    assert body["input"]["format"] == "nifti"


def test_volume_montage(client):
    body = post(client, nifti_bytes(display_image(volume(), SPACING)), query="?montage=true").json()
    assert base64.b64decode(body["montage_png_base64"]).startswith(b"\x89PNG")


def test_the_withheld_outlines_come_back_as_a_volume_when_asked_for(settings, runtime):
    # The fake classifier's P grows with the bleed's size: at 0.8 the small bleeds of slices 1-2 are not flagged.
    scan = reoriented(display_image(volume(), SPACING), ("L", "P", "S"))
    with TestClient(create_app(settings.model_copy(update={"threshold": 0.8}), runtime)) as client:
        plain = post(client, nifti_bytes(scan, True)).json()
        body = post(client, nifti_bytes(scan, True), query="?withheld_masks=true").json()
    assert plain["withheld_mask_nifti_base64"] is None  # only when asked for
    flagged = np.array([s["flagged"] for s in body["slices"]])
    withheld_pixels = np.array([s["withheld_area_pixels"] for s in body["slices"]])
    assert (~flagged & (withheld_pixels > 0)).any() and flagged.any()
    answer = np.asarray(read_nifti_bytes(base64.b64decode(body["mask_nifti_base64"])).dataobj)
    outlines = read_nifti_bytes(base64.b64decode(body["withheld_mask_nifti_base64"]))
    np.testing.assert_allclose(outlines.affine, scan.affine)
    withheld = np.asarray(outlines.dataobj)
    assert withheld.shape == scan.shape and not (withheld & answer).any()
    painted = reoriented(display_image(masks().astype(np.uint8), SPACING, np.uint8), ("L", "P", "S"))
    np.testing.assert_array_equal(withheld | answer, np.asarray(painted.dataobj))  # together: all it painted
    assert [int(withheld[..., k].sum()) for k in range(SLICES)] == list(withheld_pixels)


def header_patched(image: nib.Nifti1Image, **dims: int) -> bytes:
    """The image with some header dims overwritten (dim1=..., dim2=...); the voxel data left as it was."""
    data = bytearray(image.to_bytes())
    for name, value in dims.items():
        offset = DIM_OFFSET + 2 * int(name.removeprefix("dim"))
        data[offset : offset + 2] = np.int16(value).tobytes()
    return bytes(data)


def corrupt_gzip(image: nib.Nifti1Image) -> bytes:
    data = bytearray(nifti_bytes(image))
    data[20:30] = b"\xff" * 10
    return bytes(data)


DIM_OFFSET = 40  # dim[0..7], int16, in the NIfTI-1 header


def test_refusals_name_the_problem(client):
    scan = display_image(volume(), SPACING)
    cases = [
        (b"not a volume at all", 415, "volume is not a NIfTI file (.nii or .nii.gz)"),
        (gzip.compress(b"\x00" * 600), 415, "volume is not a NIfTI file (.nii or .nii.gz)"),
        (corrupt_gzip(scan), 400, "volume is gzip-compressed but its stream is corrupt"),
        (b"", 400, "volume is empty"),
        (header_patched(scan, dim2=0), 400, "volume has an empty dimension: shape (64, 0, 5)"),
        (nifti_bytes(scan)[:-40], 400, "volume is truncated: 33314 of 41312 bytes"),
        (nifti_bytes(scan, gz=False)[:-40], 400, "volume is truncated: 41272 of 41312 bytes"),
        # a 40 kB file claiming 30000 x 30000 x 5 voxels is refused before anything is inflated
        (
            header_patched(scan, dim1=30000, dim2=30000),
            413,
            "volume holds 4500000000 voxels, over the limit of 4000000",
        ),
    ]
    for data, status, message in cases:
        assert error_of(post(client, data)) == (status, message), message


def test_four_dimensional_and_non_finite_volumes_are_refused(client):
    four_d = nib.Nifti1Image(np.zeros((8, 8, 2, 3), np.int16), np.eye(4))
    assert error_of(post(client, nifti_bytes(four_d))) == (
        415,
        "volume has shape (8, 8, 2, 3); expected one 3-D volume",
    )
    nan = nib.Nifti1Image(np.full((8, 8, 2), np.nan, np.float32), np.eye(4))
    assert error_of(post(client, nifti_bytes(nan))) == (400, "volume contains NaN or infinite values")
    pair = nib.Nifti1Pair(np.zeros((8, 8, 2), np.int16), np.eye(4))
    header = pair.header.binaryblock
    assert error_of(post(client, header)) == (
        415,
        "volume is the header of a .hdr/.img pair; send a single-file .nii or .nii.gz",
    )


def test_too_many_slices_are_refused(client):
    many = display_image(np.stack([block_slice(16)] * (MAX_SLICES + 1)), SPACING)
    assert error_of(post(client, nifti_bytes(many))) == (
        413,
        f"volume has {MAX_SLICES + 1} slices, over the limit of 8",
    )


def test_reference_must_share_the_voxel_grid(client):
    scan = display_image(volume(), SPACING)
    smaller = display_image(masks()[:3].astype(np.uint8), SPACING, np.uint8)
    assert error_of(post(client, nifti_bytes(scan), nifti_bytes(smaller))) == (
        400,
        "reference_mask has shape (64, 64, 3) but the volume has (64, 64, 5)",
    )
    shifted = display_image(masks().astype(np.uint8), (0.5, 0.6, 5.0), np.uint8)
    assert error_of(post(client, nifti_bytes(scan), nifti_bytes(shifted))) == (
        400,
        "reference_mask affine differs from the volume's: they do not share a voxel grid",
    )


def with_sform(image: nib.Nifti1Image, rows: list[list[float]]) -> bytes:
    """The image's bytes with its sform replaced (qform off): what a broken converter might write."""
    data = image.to_bytes()
    header = nib.Nifti1Header.from_fileobj(BytesIO(data[:348]))
    header["qform_code"], header["sform_code"] = 0, 1
    header["srow_x"], header["srow_y"], header["srow_z"] = rows
    return header.binaryblock + data[348:]


@pytest.mark.parametrize(
    "rows",
    [
        [[0, 0, 0, 0]] * 3,
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]],
        [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0]],
        [[np.nan, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
    ],
    ids=["zero", "flat", "repeated axis", "nan"],
)
def test_degenerate_affines_are_refused(client, rows):
    data = with_sform(nib.Nifti1Image(np.zeros((8, 8, 3), np.int16), np.eye(4)), rows)
    assert error_of(post(client, data)) == (
        400,
        "volume affine is degenerate: it must map voxels along three independent, finite directions",
    )
