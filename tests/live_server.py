"""Start the real service under uvicorn on a free loopback port, for tests over real HTTP."""

import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

from loadtest.server import ROOT, free_port, uvicorn_server

__all__ = ["ROOT", "free_port", "live_server"]
READY_TIMEOUT_S = 180


@contextmanager
def live_server(model_store: Path, target: str = "app.main:app", **env_overrides: str):
    """`target` is the ASGI app uvicorn serves, e.g. tests.reliability.fake_app:app for fake models."""
    # The server's own log, outside the repository; kept only where a post-mortem needs it.
    _, name = tempfile.mkstemp(prefix="ich-uvicorn-", suffix=".log")
    log = Path(name)
    env = {"ICH_MODEL_STORE": str(model_store), **env_overrides}
    with uvicorn_server(target, env, log, READY_TIMEOUT_S) as server:
        yield server.base_url
    # uvicorn finishes its shutdown on SIGTERM, then dies of that signal again.
    clean = server.process.returncode in (0, -signal.SIGTERM)
    if clean and "Traceback" not in log.read_text(errors="replace"):
        log.unlink()
