"""deploy/k8s: valid against the Kubernetes schemas (kubernetes-validate, strict) and consistent with the image."""

import copy

import kubernetes_validate
import pytest
import yaml
from compose_files import REPO
from dockerfile_stages import effective, effective_env, read_stages

K8S = REPO / "deploy" / "k8s"
# Oldest Kubernetes still widely run in hospital data centres we target, and the newest the validator knows.
K8S_VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]


def manifests() -> dict[str, dict]:
    documents = [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return {doc["kind"]: doc for doc in documents}


@pytest.fixture(scope="module")
def objects():
    return manifests()


@pytest.fixture(scope="module")
def container(objects):
    (only,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def test_manifest_set_is_complete(objects):
    assert set(objects) == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("kind", ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"])
def test_manifest_is_valid_against_the_kubernetes_schema(objects, kind, version):
    kubernetes_validate.validate(objects[kind], version, strict=True)


def test_validator_rejects_a_misspelt_probe_and_a_wrong_type(objects):
    broken = copy.deepcopy(objects["Deployment"])
    pod = broken["spec"]["template"]["spec"]
    pod["containers"][0]["readinessProbes"] = pod["containers"][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError) as caught:
        kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)
    assert caught.value.message == "Additional properties are not allowed ('readinessProbes' was unexpected)"
    broken = copy.deepcopy(objects["Deployment"])
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError) as caught:
        kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)
    assert caught.value.message == "'two' is not of type 'integer', 'null'"


def test_pod_gets_a_gpu_and_requests_cpu_and_memory(container):
    resources = container["resources"]
    assert int(resources["limits"]["nvidia.com/gpu"]) >= 1
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]


def named_port(container, probe):
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    return ports[container[probe]["httpGet"]["port"]]


def test_probes_hit_the_health_endpoints_on_the_service_port(container):
    image_env = effective_env(read_stages()[1], "gpu")
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert named_port(container, probe) == int(image_env["ICH_PORT"])


def test_pod_runs_as_the_image_user_with_a_read_only_root(objects, container):
    uid, _, gid = effective(read_stages()[1], "gpu", "USER").partition(":")
    pod = objects["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert (pod["runAsNonRoot"], pod["runAsUser"], pod["runAsGroup"]) == (True, int(uid), int(gid))
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_api_key_comes_from_a_secret_not_the_manifest(container):
    (key,) = [env for env in container["env"] if env["name"] == "ICH_API_KEY"]
    assert "value" not in key
    assert key["valueFrom"]["secretKeyRef"]["name"] == "ich-api"


def test_service_and_budget_select_the_deployment_pods(objects, container):
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget"):
        spec = objects[kind]["spec"]
        selector = spec["selector"] if kind == "Service" else spec["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items(), kind
    (port,) = objects["Service"]["spec"]["ports"]
    assert port["targetPort"] in {p["name"] for p in container["ports"]}


def test_autoscaler_targets_the_deployment_on_a_requested_resource(objects, container):
    hpa, deployment = objects["HorizontalPodAutoscaler"]["spec"], objects["Deployment"]
    target = hpa["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"],
        deployment["kind"],
        deployment["metadata"]["name"],
    )
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    # Utilization targets are relative to requests: a resource without a request cannot be scaled on.
    for metric in hpa["metrics"]:
        assert metric["resource"]["name"] in container["resources"]["requests"]


def test_rollout_never_drops_below_current_capacity(objects):
    rolling = objects["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0 and rolling["maxSurge"] >= 1
