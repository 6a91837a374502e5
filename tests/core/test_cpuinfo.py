"""core.cpuinfo: one reader of /proc/cpuinfo for serving, training and the bench."""

from core.cpuinfo import cpu_flags, cpu_model, cpuinfo_field

SAMPLE = """processor\t: 0
model name\t: Example CPU @ 2.0GHz
flags\t\t: fpu sse2 avx512f amx_bf16

processor\t: 1
model name\t: Other CPU
"""


def test_the_first_processor_gives_model_and_flags(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(SAMPLE)
    assert cpu_model(path) == "Example CPU @ 2.0GHz"
    assert cpu_flags(path) == {"fpu", "sse2", "avx512f", "amx_bf16"}
    assert cpuinfo_field("processor", path) == "0"


def test_a_missing_file_or_field_gives_defaults(tmp_path):
    assert cpu_model(tmp_path / "absent") == "unknown CPU"
    assert cpu_flags(tmp_path / "absent") == set()
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\n")
    assert cpuinfo_field("flags", path) is None
