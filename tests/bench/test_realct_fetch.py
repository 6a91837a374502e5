"""Debian's copy of the scan (bench.realct.fetch_debian): an InVesalius project read into a NIfTI volume that the
bench reads back the right way up. A small hand-made project stands in for Cranium.inv3 (no network in tests)."""

import plistlib
import tarfile

import numpy as np

import bench.realct.__main__ as cli
from bench.realct.fetch_debian import read_project, write_volume
from bench.realct.scan_input import read_scan


def _project(tmp_path, volume: np.ndarray, spacing) -> object:
    folder = tmp_path / "tmpabc"
    folder.mkdir()
    volume.astype(np.int16).tofile(folder / "matrix.dat")
    meta = {"matrix": {"dtype": "int16", "filename": "matrix.dat", "shape": list(volume.shape)}, "spacing": spacing}
    (folder / "main.plist").write_bytes(plistlib.dumps(meta))
    project = tmp_path / "Cranium.inv3"
    with tarfile.open(project, "w:gz") as archive:
        archive.add(folder, arcname="tmpabc")
    return project


def test_the_project_becomes_a_volume_with_anterior_at_the_top(tmp_path):
    stored = np.zeros((3, 8, 6), np.int16)
    stored[:, 0, :] = 1000  # InVesalius row 0 is the bottom of the displayed image (posterior)
    stored[2] += 7  # the top slice
    hu, spacing = read_project(_project(tmp_path, stored, [0.9, 0.9, 1.5]), tmp_path)
    assert spacing == (0.9, 0.9, 1.5)
    assert (hu[:, -1, :] >= 1000).all() and (hu[:, 0, :] < 1000).all()
    scan = read_scan(write_volume(hu, spacing, tmp_path / "out"))
    np.testing.assert_array_equal(scan.hu, hu.astype(np.float32))
    np.testing.assert_allclose([*scan.spacing_mm, scan.slice_spacing_mm], [0.9, 0.9, 1.5], rtol=1e-6)
    assert (tmp_path / "out" / "NOTICE").read_text().startswith("CT 0051")


def test_without_shared_the_bench_fetches_debians_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "SHARED_SCAN", tmp_path / "absent")
    monkeypatch.setattr(cli, "fetch", lambda: tmp_path / "fetched.nii.gz")
    assert cli.default_scan() == tmp_path / "fetched.nii.gz"
    monkeypatch.setattr(cli, "SHARED_SCAN", tmp_path)
    assert cli.default_scan() == tmp_path
