"""docker-compose.yml and its CPU and replica overrides: valid against the Compose schema, and wired as documented."""

import hashlib
import re

import pytest
from compose_files import REPO, SCHEMA, interpolate, load, merge, merged, schema_errors, untagged
from dockerfile_stages import effective_env, read_stages

from app.config import Settings

BASE = REPO / "docker-compose.yml"
CPU = REPO / "docker-compose.cpu.yml"
REPLICAS = REPO / "deploy" / "nginx" / "compose.replicas.yml"
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
NO_HOST_ENV: dict[str, str] = {}


def resolved(*paths):
    return interpolate(merged(*paths), NO_HOST_ENV)


def test_vendored_schema_is_the_unmodified_compose_spec():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


@pytest.mark.parametrize("path", [BASE, CPU, REPLICAS], ids=lambda p: p.name)
def test_each_compose_file_is_valid_on_its_own(path):
    assert schema_errors(untagged(load(path))) == []


@pytest.mark.parametrize(
    "files",
    [(BASE,), (BASE, CPU), (BASE, REPLICAS), (BASE, CPU, REPLICAS)],
    ids=["gpu", "cpu", "gpu-replicas", "cpu-replicas"],
)
def test_each_documented_combination_is_valid_and_fully_interpolated(files):
    config = resolved(*files)
    assert schema_errors(config) == []
    assert "${" not in repr(config)


def test_schema_rejects_a_malformed_gpu_reservation():
    config = resolved(BASE)
    config["services"]["ich-api"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] = "gpu"
    config["services"]["ich-api"]["healthcheck"]["path"] = "/health/ready"
    assert schema_errors(config) == [
        "services.ich-api.deploy.resources.reservations.devices.0.capabilities: 'gpu' is not of type 'array'",
        "services.ich-api.healthcheck: 'path' does not match any of the regexes: '^x-'",
        # The schema's unevaluatedProperties reports the invalid siblings again at service level.
        "services.ich-api: Unevaluated properties are not allowed ('build', 'healthcheck', 'ports' were unexpected)",
    ]


def test_gpu_service_reserves_an_nvidia_gpu():
    service = resolved(BASE)["services"]["ich-api"]
    (device,) = service["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert "gpu" in device["capabilities"]
    assert device["count"] >= 1
    assert service["build"]["target"] == "gpu"
    assert service["environment"]["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


def test_compose_builds_on_the_same_default_base_as_the_dockerfile():
    global_args, _ = read_stages()
    assert resolved(BASE)["services"]["ich-api"]["build"]["args"]["BASE"] == global_args["BASE"]
    assert (
        interpolate(merged(BASE), {"ICH_BASE_IMAGE": "localhost/ich-base:bookworm"})["services"]["ich-api"]["build"][
            "args"
        ]["BASE"]
        == "localhost/ich-base:bookworm"
    )


def test_service_is_probed_on_readiness_restarted_and_published():
    service = resolved(BASE)["services"]["ich-api"]
    assert service["healthcheck"]["test"][0] == "CMD"
    assert "/health/ready" in service["healthcheck"]["test"][-1]
    assert service["restart"] == "unless-stopped"
    assert service["ports"] == ["8000:8000"]


def test_host_port_and_model_store_follow_host_variables():
    config = interpolate(merged(BASE), {"ICH_PUBLISHED_PORT": "9100", "ICH_MODEL_STORE_HOST": "/srv/models"})
    service = config["services"]["ich-api"]
    assert service["ports"] == ["9100:8000"]
    assert service["volumes"][0]["source"] == "/srv/models"


def test_model_store_volume_replaces_the_baked_in_store_read_only():
    service = resolved(BASE)["services"]["ich-api"]
    (volume,) = service["volumes"]
    image_store = effective_env(read_stages()[1], "gpu")["ICH_MODEL_STORE"]
    assert volume["target"] == service["environment"]["ICH_MODEL_STORE"] == image_store
    assert volume["read_only"] is True
    assert volume["source"] == "./model_store"


def test_optional_settings_pass_through_only_when_set_on_the_host():
    environment = resolved(BASE)["services"]["ich-api"]["environment"]
    optional = ["ICH_THRESHOLD", "ICH_API_KEY", "ICH_CLASSIFIER_VERSION", "ICH_SEGMENTER_VERSION", "ICH_RELOAD_POLL_S"]
    assert {name: environment[name] for name in optional} == dict.fromkeys(optional)
    assert set(optional) <= {f"ICH_{name.upper()}" for name in Settings.model_fields}


def test_cpu_override_builds_the_cpu_target_without_a_gpu():
    service = resolved(BASE, CPU)["services"]["ich-api"]
    assert service["build"]["target"] == "cpu"
    assert service["image"] == "ich-service:cpu"
    assert "reservations" not in service["deploy"]["resources"]
    assert service["deploy"]["resources"]["limits"]["memory"] == "8g"
    assert "/health/ready" in service["healthcheck"]["test"][-1]


def test_replicas_sit_behind_the_proxy_which_waits_for_them_to_be_healthy():
    config = resolved(BASE, REPLICAS)
    api, proxy = config["services"]["ich-api"], config["services"]["proxy"]
    assert "ports" not in api
    assert int(api["deploy"]["replicas"]) == 3
    assert proxy["depends_on"] == {"ich-api": {"condition": "service_healthy"}}
    assert proxy["ports"] == ["8000:8080"]
    (conf,) = proxy["volumes"]
    assert (REPO / conf["source"]).is_file()
    assert conf["target"] == "/etc/nginx/nginx.conf"


def test_replica_count_follows_the_host_variable():
    config = interpolate(merged(BASE, REPLICAS), {"ICH_REPLICAS": "5"})
    assert int(config["services"]["ich-api"]["deploy"]["replicas"]) == 5


def test_proxy_image_is_pinned_to_an_nginx_with_upstream_resolve():
    # `server ... resolve` in an upstream reached open-source nginx in 1.27.3.
    image = resolved(BASE, REPLICAS)["services"]["proxy"]["image"]
    version = re.fullmatch(r"nginx:(\d+)\.(\d+)\.(\d+)(-alpine)?", image)
    assert version, image
    assert tuple(map(int, version.groups()[:3])) >= (1, 27, 3)


def test_merge_refuses_an_untagged_sequence_override():
    with pytest.raises(ValueError) as caught:
        merge({"services": {"a": {"ports": ["1:1"]}}}, {"services": {"a": {"ports": ["2:2"]}}})
    assert str(caught.value) == "services.a.ports: override a sequence with !reset or !override"
