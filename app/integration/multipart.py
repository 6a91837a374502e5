"""PS3.18 multipart/related application/dicom bodies: split a STOW-RS request, build a WADO-RS response."""

import re
import uuid
from dataclasses import dataclass

from app.errors import InvalidInput, UnsupportedImage

DICOM_TYPE = "application/dicom"
BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
TYPE = re.compile(r'type="?([^";]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    content_type: str
    data: bytes


def boundary_of(content_type: str) -> str:
    """The boundary of a multipart/related; type="application/dicom" Content-Type, or a 415/400 naming the problem."""
    media = content_type.split(";")[0].strip().lower()
    if media != "multipart/related":
        raise UnsupportedImage(
            f'STOW-RS takes multipart/related; type="{DICOM_TYPE}", not {media or "no Content-Type"}', "Content-Type"
        )
    kind = TYPE.search(content_type)
    if kind is None or kind.group(1).lower() != DICOM_TYPE:
        found = kind.group(1) if kind else "none"
        raise UnsupportedImage(f'the multipart type must be "{DICOM_TYPE}", not {found}', "Content-Type")
    boundary = BOUNDARY.search(content_type)
    if boundary is None:
        raise InvalidInput("the multipart/related Content-Type has no boundary", "Content-Type")
    return boundary.group(1)


def split_parts(body: bytes, boundary: str) -> list[Part]:
    delimiter = b"--" + boundary.encode()
    sections = body.split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise InvalidInput("the multipart body is not closed by its boundary, or has no part", "body")
    parts = []
    for index, section in enumerate(sections[1:-1]):
        section = section.removeprefix(b"\r\n")
        head, separator, data = section.partition(b"\r\n\r\n")
        if not separator:
            raise InvalidInput(f"part {index} has no header/body separator", "body")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        content_type = headers.get("content-type", DICOM_TYPE).split(";")[0].strip().lower()
        parts.append(Part(content_type, data.removesuffix(b"\r\n")))
    return parts


def build(objects: list[bytes]) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/related application/dicom message."""
    boundary = uuid.uuid4().hex
    pieces = [f"--{boundary}\r\nContent-Type: {DICOM_TYPE}\r\n\r\n".encode() + data + b"\r\n" for data in objects]
    return b"".join(
        pieces
    ) + f"--{boundary}--\r\n".encode(), f'multipart/related; type="{DICOM_TYPE}"; boundary={boundary}'
