"""`uvicorn tests.reliability.fake_app:app`: the real app, middleware and logging with fake models, over real HTTP.

FAKE_MODEL_DELAY_S makes each classifier call sleep, to hold requests in flight.
"""

import os
import time

from app.config import get_settings
from app.logging_config import configure_logging
from app.main import create_app
from app.serving.runtime import LoadedModels, ModelRuntime

DELAY_ENV = "FAKE_MODEL_DELAY_S"


def slow_fake_models() -> LoadedModels:
    from tests.app.conftest import fake_models  # after configure_logging: its import warnings are logged as JSON

    models, delay = fake_models(), float(os.environ.get(DELAY_ENV, "0"))
    classify = models.classifier

    def classifier(batch):
        time.sleep(delay)
        return classify(batch)

    models.classifier = classifier
    return models


def __getattr__(name: str):
    """Built on uvicorn's first access, so importing DELAY_ENV needs no settings."""
    if name != "app":
        raise AttributeError(name)
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings, ModelRuntime(slow_fake_models))
