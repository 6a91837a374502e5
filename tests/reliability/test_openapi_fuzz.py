"""Schemathesis against the service's own OpenAPI schema (fake models): a bounded number of examples, no 5xx."""

import tempfile

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app
from tests.reliability.conftest import loaded_runtime, make_settings

EXAMPLES_PER_OPERATION = 25
# The schema is read at import, so the app is built then; its empty store goes when the interpreter exits.
STORE = tempfile.TemporaryDirectory(prefix="fuzz-store-")
APP = create_app(make_settings(STORE.name), loaded_runtime())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Negative examples too: malformed bodies and parameters are what a hostile or broken client sends.
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same examples on every CI run
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx(case):
    case.call_and_validate(checks=[not_a_server_error])
