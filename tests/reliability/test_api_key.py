"""The optional API key and CORS settings."""

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.middleware.api_key import INVALID, MISSING
from tests.reliability.bad_files import good_png
from tests.reliability.conftest import API_KEY

PROTECTED = [
    ("get", "/v1/models"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("post", "/v1/predict"),
]
PROBES = ["/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready"]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_but_the_probes_needs_the_key(client_with, method, path):
    client = client_with(api_key=API_KEY)
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "unauthorized", "message": MISSING, "field": None}
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", PROBES)
def test_probes_stay_open(client_with, path):
    assert client_with(api_key=API_KEY).get(path).status_code == 200


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": API_KEY + "x"}, {"X-API-Key": API_KEY[:-1]}, {"Authorization": "Bearer nope"}]
)
def test_wrong_key_is_refused(client_with, headers):
    response = client_with(api_key=API_KEY).get("/v1/models", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == INVALID


@pytest.mark.parametrize("headers", [{"X-API-Key": API_KEY}, {"Authorization": f"Bearer {API_KEY}"}])
def test_right_key_in_either_header_is_accepted(client_with, headers):
    client = client_with(api_key=API_KEY)
    assert client.get("/v1/models", headers=headers).status_code == 200
    response = client.post("/v1/predict", files={"image": ("a.png", good_png())}, headers=headers)
    assert response.status_code == 200


def test_basic_auth_is_not_mistaken_for_a_key(client_with):
    response = client_with(api_key=API_KEY).get("/v1/models", headers={"Authorization": f"Basic {API_KEY}"})
    assert response.status_code == 401 and response.json()["detail"] == MISSING


def test_without_a_configured_key_nothing_is_asked(client_with):
    assert client_with().get("/v1/models").status_code == 200


def test_short_key_fails_fast(tmp_path):
    with pytest.raises(ValidationError, match="api_key must be at least 16 characters"):
        Settings(model_store=tmp_path, api_key="short")


def test_key_never_shows_in_settings_repr(tmp_path):
    assert API_KEY not in repr(Settings(model_store=tmp_path, api_key=API_KEY))


def test_cors_is_off_by_default(client_with):
    response = client_with().get("/v1/models", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client_with().options(
        "/v1/predict", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_configured_origins(client_with):
    client = client_with(cors_origins=["https://viewer.hospital.example"])
    allowed = client.get("/v1/models", headers={"Origin": "https://viewer.hospital.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://viewer.hospital.example"
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    other = client.get("/v1/models", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_preflight_needs_no_key(client_with):
    client = client_with(api_key=API_KEY, cors_origins=["https://viewer.hospital.example"])
    preflight = client.options(
        "/v1/predict",
        headers={
            "Origin": "https://viewer.hospital.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://viewer.hospital.example"
