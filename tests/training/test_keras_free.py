"""Data workers (phantoms, scanner, shards) must not load Keras/TensorFlow just to learn label names."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["training.datasets.records", "training.scanner.export", "training.phantom_data", "training.shards"]
)
def test_data_modules_import_without_keras(module):
    code = f"import sys, {module}; print('keras' in sys.modules or 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
