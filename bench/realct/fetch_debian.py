"""The same real scan for a user without ../shared: Debian's `invesalius-examples` carries it at 256² inside
`Cranium.inv3` (a tar.gz holding main.plist and the HU volume as raw int16, matrix.dat). Written as a NIfTI volume
in display orientation that `python -m bench.realct` reads.

`python -m bench.realct.fetch_debian [--out data/realct/invesalius_0051_256]` (needs apt-get and dpkg-deb).
"""

import argparse
import plistlib
import subprocess
import tarfile
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

from bench.realct.display_nifti import display_volume

PACKAGE = "invesalius-examples"
PROJECT = "usr/share/doc/invesalius-examples/examples/Cranium.inv3"
DEFAULT_OUT = Path("data/realct/invesalius_0051_256")
VOLUME = "volume.nii.gz"
LICENCE_NOTE = (
    "CT 0051 (ProMED), from Debian's invesalius-examples (Cranium.inv3), GPL-2. Evaluation only: never train on it.\n"
)


def download(workdir: Path) -> Path:
    """apt-get download the package (apt-get update first, so the index knows it) and unpack the project file."""
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "download", PACKAGE], cwd=workdir, check=True)
    deb = next(workdir.glob(f"{PACKAGE}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(workdir / "root")], check=True)
    return workdir / "root" / PROJECT


def read_project(project: Path, workdir: Path) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Cranium.inv3 -> (HU (slices, rows, columns) with rows anterior first, (column, row, slice) spacing mm)."""
    with tarfile.open(project, "r:gz") as archive:
        archive.extractall(workdir / "project", filter="data")
    main = next((workdir / "project").rglob("main.plist"))
    meta = plistlib.loads(main.read_bytes())
    matrix = meta["matrix"]
    volume = np.fromfile(main.parent / matrix["filename"], dtype=matrix["dtype"]).reshape(matrix["shape"])
    # InVesalius keeps rows bottom-up (VTK's convention); the service's display has anterior at the top.
    return volume[:, ::-1, :].astype(np.int16), tuple(float(s) for s in meta["spacing"])


def write_volume(hu: np.ndarray, spacing: tuple[float, float, float], out: Path) -> Path:
    column, row, plane = spacing
    out.mkdir(parents=True, exist_ok=True)
    nib.save(display_volume(hu, (row, column), plane), out / VOLUME)
    (out / "NOTICE").write_text(LICENCE_NOTE)
    return out / VOLUME


def fetch(out: Path = DEFAULT_OUT) -> Path:
    if (out / VOLUME).exists():
        return out / VOLUME
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        hu, spacing = read_project(download(workdir), workdir)
    return write_volume(hu, spacing, out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.realct.fetch_debian", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    print(fetch(parser.parse_args(argv).out))


if __name__ == "__main__":
    main()
