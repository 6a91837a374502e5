"""The reading page (GET /viewer), its static files, and the decoded pixels it draws (POST /viewer/pixels)."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

from app.dependencies import SettingsDep
from app.errors import InvalidInput
from app.uploads import read_limited
from app.viewer import ASSETS, PAGE_PATH, STATIC_DIR
from app.viewer.pixels import Limits, slice_files_pixels, volume_pixels

router = APIRouter(prefix=PAGE_PATH, tags=["viewer"])

# The browser itself enforces that the page talks to this service only: no CDN, no other host, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Referrer-Policy": "no-referrer"}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
API_KEY_MARK = "{{API_KEY_REQUIRED}}"

SliceFiles = Annotated[
    list[UploadFile] | None, File(description="one PNG/JPEG, or the DICOM files of one series in any order")
]
VolumeFile = Annotated[UploadFile | None, File(description="a NIfTI volume in HU (.nii or .nii.gz)")]
MaskVolumes = Annotated[
    list[UploadFile] | None,
    File(description="NIfTI mask volumes on the volume's grid (the answer's mask, a reference), turned like it"),
]


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def read_viewer_page(settings: SettingsDep) -> HTMLResponse:
    """The reading page: drop a study, read the answer slice by slice."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    required = "true" if settings.api_key is not None else "false"
    return HTMLResponse(html.replace(API_KEY_MARK, required), headers=PAGE_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
def read_viewer_asset(name: str) -> FileResponse:
    """One of the page's own scripts or style sheets, served from the package (the page works offline)."""
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(404, "Not Found")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=PAGE_HEADERS)


@router.post("/pixels", response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
async def read_scan_pixels(
    settings: SettingsDep, files: SliceFiles = None, volume: VolumeFile = None, masks: MaskVolumes = None
) -> Response:
    """The scan decoded as the models saw it: int16 HU (slices, rows, columns) in answer order, then uint8 masks."""
    if (files is None) == (volume is None):
        raise InvalidInput(
            "send either files (DICOM slices, or PNG/JPEG exports in slice order) or volume (NIfTI)", "files"
        )
    limits = Limits(settings.max_series_slices, settings.max_image_pixels, settings.max_volume_voxels)
    if volume is None:
        data = [await read_limited(f, settings.max_upload_bytes, f"files[{i}]") for i, f in enumerate(files)]
        pixels = await run_in_threadpool(slice_files_pixels, data, limits)
    else:
        data = await read_limited(volume, settings.max_upload_bytes, "volume")
        mask_data = [await read_limited(m, settings.max_upload_bytes, f"masks[{i}]") for i, m in enumerate(masks or [])]
        pixels = await run_in_threadpool(volume_pixels, data, mask_data, limits)
    return Response(pixels.to_bytes(), media_type="application/octet-stream", headers=pixels.headers)
