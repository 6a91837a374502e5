"""The nginx example: parses strictly (crossplane), routes to every ich-api replica and skips unhealthy ones."""

import crossplane
import pytest
from compose_files import REPO, interpolate, merged

from app.config import Settings

NGINX_CONF = REPO / "deploy" / "nginx" / "nginx.conf"
COMPOSE = [REPO / "docker-compose.yml", REPO / "deploy" / "nginx" / "compose.replicas.yml"]
UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def parse(path):
    return crossplane.parse(str(path), comments=False, strict=True)


def find(block, directive):
    return [entry for entry in block if entry["directive"] == directive]


def only(block, directive):
    (entry,) = find(block, directive)
    return entry


@pytest.fixture(scope="module")
def http():
    parsed = parse(NGINX_CONF)
    assert parsed["errors"] == []
    return only(parsed["config"][0]["parsed"], "http")["block"]


@pytest.fixture(scope="module")
def compose():
    return interpolate(merged(*COMPOSE), {})


def test_strict_parse_reports_a_misplaced_and_a_misspelt_directive(tmp_path):
    bad = tmp_path / "nginx.conf"
    bad.write_text("events {}\nhttp {\n  proxy_pass http://x;\n  server { listen 80; proxy_next_upstrem error; }\n}\n")
    parsed = parse(bad)
    assert parsed["status"] == "failed"
    assert [error["error"] for error in parsed["errors"]] == [
        f'"proxy_pass" directive is not allowed here in {bad}:3',
        f'unknown directive "proxy_next_upstrem" in {bad}:4',
    ]


def test_upstream_follows_every_replica_of_the_compose_service(http, compose):
    upstream = only(http, "upstream")
    address, *options = only(upstream["block"], "server")["args"]
    host, port = address.split(":")
    assert host in compose["services"]
    assert port == compose["services"][host]["environment"]["ICH_PORT"]
    # `resolve` re-reads Docker's DNS, which answers one address per replica; it needs a shared zone.
    assert "resolve" in options
    assert find(upstream["block"], "zone")
    assert only(http, "resolver")["args"][0] == "127.0.0.11"


def root_location(http):
    return next(
        entry for entry in only(http, "server")["block"] if entry["directive"] == "location" and entry["args"] == ["/"]
    )


def seconds(value: str) -> float:
    return float(value[:-1]) * {"s": 1, "m": 60}[value[-1]]


def test_failing_or_unready_replicas_are_skipped(http):
    upstream = only(http, "upstream")
    location = root_location(http)
    assert only(location["block"], "proxy_pass")["args"] == [f"http://{upstream['args'][0]}"]
    retry_on = set(only(location["block"], "proxy_next_upstream")["args"])
    assert {"error", "timeout", "http_503", "non_idempotent"} <= retry_on
    assert int(only(location["block"], "proxy_next_upstream_tries")["args"][0]) >= 2


def test_a_burst_of_503s_cannot_take_every_replica_out(http):
    # Overloaded replicas answer 503 too; counted as failures they would all be marked down at once (nginx: 502).
    options = only(only(http, "upstream")["block"], "server")["args"][1:]
    assert "max_fails=0" in options


def test_service_times_out_before_the_proxy_does(http):
    location = root_location(http)
    assert (
        seconds(only(location["block"], "proxy_read_timeout")["args"][0])
        > Settings.model_fields["request_timeout_s"].default
    )


def test_replicas_log_the_proxy_request_id(http):
    headers = {tuple(entry["args"]) for entry in find(root_location(http)["block"], "proxy_set_header")}
    assert ("X-Request-ID", "$request_id") in headers
    assert "$request_id" in " ".join(only(http, "log_format")["args"])


def test_proxy_listens_on_the_port_compose_publishes(http, compose):
    (published,) = compose["services"]["proxy"]["ports"]
    assert only(only(http, "server")["block"], "listen")["args"] == [published.rsplit(":", 1)[1]]


def test_proxy_accepts_requests_as_large_as_the_service_does(http):
    size = only(only(http, "server")["block"], "client_max_body_size")["args"][0]
    assert int(size[:-1]) * UNITS[size[-1].lower()] == Settings.model_fields["max_request_bytes"].default


def test_proxy_has_its_own_health_endpoint_for_the_compose_healthcheck(http, compose):
    health = next(
        entry
        for entry in only(http, "server")["block"]
        if entry["directive"] == "location" and entry["args"] == ["=", "/nginx-health"]
    )
    assert only(health["block"], "return")["args"][0] == "200"
    assert compose["services"]["proxy"]["healthcheck"]["test"][-1].endswith("/nginx-health")
