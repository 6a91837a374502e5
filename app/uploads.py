"""Reading multipart uploads with a byte limit."""

from fastapi import UploadFile

from app.errors import PayloadTooLarge

CHUNK = 1024 * 1024


async def read_limited(upload: UploadFile, limit: int, field: str) -> bytes:
    """Read an upload, refusing it as soon as it passes `limit` bytes."""
    chunks, total = [], 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"{field} is larger than the limit of {limit} bytes", field)
        chunks.append(chunk)
    return b"".join(chunks)
