"""Result destinations as configured: a DICOMweb STOW-RS base URL, or a DICOM AE as AET@host:port."""

import re
from dataclasses import dataclass

DIMSE_DESTINATION = re.compile(r"^(?P<ae>[^@]{1,16})@(?P<host>[^:]+):(?P<port>\d{1,5})$")


@dataclass(frozen=True)
class DimseTarget:
    ae_title: str
    host: str
    port: int


def parse_destination(destination: str) -> str | DimseTarget:
    if destination.startswith(("http://", "https://")):
        return destination.rstrip("/")
    match = DIMSE_DESTINATION.match(destination)
    if match is None:
        raise ValueError(f"destination {destination!r} is neither a STOW-RS URL (http...) nor AET@host:port")
    return DimseTarget(match["ae"], match["host"], int(match["port"]))
