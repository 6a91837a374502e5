"""The service without the DICOM integration does not pay for loading SQLAlchemy and the job store."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_import_leaves_the_job_store_unloaded():
    probe = (
        "import sys, app.main; print(sorted(m for m in ('sqlalchemy', 'app.integration.store') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
