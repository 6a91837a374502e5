# syntax=docker/dockerfile:1
# ICH detection service. Default target `gpu` (TensorFlow + CUDA 12); `--target cpu` builds the smaller CPU-only image
# (OpenVINO, no TensorFlow).
# Configuration is by ICH_* environment variables only; see docs/deployment.md.

# Any Debian-family image with Python 3.11 and its venv module. Pin by digest for release builds
# (BASE=python:3.11-slim-bookworm@sha256:...); deploy/build_and_smoke.sh passes a local debootstrap base instead.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS runtime-base
# A fixed numeric uid lets Kubernetes' runAsNonRoot verify the user without reading /etc/passwd.
RUN useradd --no-log-init --uid 10001 --user-group --create-home --home-dir /home/ich --shell /usr/sbin/nologin ich
# Two glibc malloc arenas: with one per thread, RSS grew 17 % over a 10-minute soak and settled ~250 MB higher, with
# the same throughput (docs/reliability.md).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/srv/ich \
    HOME=/home/ich \
    ICH_MODEL_STORE=/srv/ich/model_store \
    ICH_HOST=0.0.0.0 \
    ICH_PORT=8000 \
    MALLOC_ARENA_MAX=2
WORKDIR /srv/ich
USER 10001:10001
EXPOSE 8000
# urllib raises on the 503 that /health/ready returns until the models are loaded and warmed up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ['ICH_PORT'], timeout=4)"]
# One worker per container: each worker holds its own copy of the models; scale with replicas instead.
CMD ["sh", "-c", "exec uvicorn app.main:app --host \"$ICH_HOST\" --port \"$ICH_PORT\""]

FROM ${BASE} AS builder
# pip trusts the system CA bundle, so a site bundle mounted over it at build time is honoured (build_and_smoke.sh).
# Build stage only: nothing of it but /opt/venv reaches the images.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# A site's PyPI mirror for air-gapped builds (--build-arg PIP_INDEX_URL=...); left unset, pip uses PyPI.
ARG PIP_INDEX_URL
RUN python3 -m venv /opt/venv
WORKDIR /build
COPY requirements.txt ./

# The CPU image serves with OpenVINO, which reads the SavedModels itself: the serve set without TensorFlow and Keras
# (about 1 GB less, and no TensorFlow import at start-up). The import check fails the build should a dependency
# ever pull TensorFlow back in.
FROM builder AS venv-cpu
RUN grep -v -E '^(tensorflow|keras)==' requirements.txt > requirements-image.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements-image.txt \
    && /opt/venv/bin/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('tensorflow') is not None)" \
    && /opt/venv/bin/pip uninstall --yes pip

# Service code and the shipped models, owned by root so the service user cannot alter them.
# No VOLUME here: an anonymous volume would keep serving stale models after an image upgrade.
# Mount a model store over /srv/ich/model_store to replace the baked-in one.
FROM scratch AS service-files
COPY app /srv/ich/app
COPY core /srv/ich/core
COPY model_store /srv/ich/model_store

FROM runtime-base AS cpu
COPY --from=venv-cpu /opt/venv /opt/venv
COPY --from=service-files /srv/ich /srv/ich

# After the cpu stage, so builders that run every stage up to the target never build it for `--target cpu`.
# The TensorFlow version always comes from requirements.txt; grep fails the build if requirements.txt stops pinning
# tensorflow in the form the rewrite expects. and-cuda pulls TensorFlow's pinned CUDA 12 / cuDNN 9 wheels; the host
# only needs the NVIDIA driver.
FROM builder AS venv-gpu
RUN sed -E 's/^tensorflow==/tensorflow[and-cuda]==/' requirements.txt > requirements-image.txt \
    && grep -q '^tensorflow\[and-cuda\]==' requirements-image.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements-image.txt \
    && /opt/venv/bin/pip uninstall --yes pip

# Last stage, so a plain `docker build .` produces the GPU image.
FROM runtime-base AS gpu
# TensorFlow takes GPU memory as it needs it instead of the whole card, so replicas can share one GPU.
ENV TF_FORCE_GPU_ALLOW_GROWTH=true \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=venv-gpu /opt/venv /opt/venv
COPY --from=service-files /srv/ich /srv/ich
