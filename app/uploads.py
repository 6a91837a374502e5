"""Reading multipart uploads with a byte limit."""

from fastapi import UploadFile

from app.errors import PayloadTooLarge

CHUNK = 1024 * 1024


async def read_limited(upload: UploadFile, limit: int, field: str) -> bytes:
    """Read an upload, refusing it as soon as it passes `limit` bytes."""
    # The multipart parser has already spooled the part (to disk past 1 MiB) and knows its size: refuse unread.
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(f"{field} is larger than the limit of {limit} bytes", field)
    chunks, total = [], 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"{field} is larger than the limit of {limit} bytes", field)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_slice_uploads(
    image: UploadFile, reference_mask: UploadFile | None, limit: int
) -> tuple[bytes, bytes | None]:
    """A slice endpoint's two files: the image, and the optional reference mask."""
    image_bytes = await read_limited(image, limit, "image")
    mask_bytes = await read_limited(reference_mask, limit, "reference_mask") if reference_mask else None
    return image_bytes, mask_bytes
