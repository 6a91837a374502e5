# make serve: install the serve set and serve the shipped models. make test: install every set and run the tests.
# make train: install the train set and train. Three sets: requirements.txt (serve), requirements-train.txt
# (train, on top of serve), requirements-dev.txt (tests and checks, on top of both).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test train train-smoke contact-sheet realct integration-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.train: requirements.txt requirements-train.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-train.txt
	touch $@ $(VENV)/.runtime

$(VENV)/.dev: requirements.txt requirements-train.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.train $(VENV)/.runtime

serve: $(VENV)/.runtime
	MALLOC_ARENA_MAX=2 ICH_HOST=$(HOST) ICH_PORT=$(PORT) $(BIN)/python -m uvicorn app.main:app --host $(HOST) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# `make train VERSION=N` trains both models as version N into STORE. Without VERSION it reproduces the shipped ones
# (versions are immutable, so into another STORE): both v2, then classifier v3, then v9 (those weights fed the
# cranium), the served ResUNet v79 (v9 fine-tuned), then the served classifier v36 and its scan rules for HU and for
# 8-bit series; about three hours on 2 cores. v36's recipe is reproduced, not its weights (another run initialises differently).
STORE ?= model_store
train: $(VENV)/.train
ifdef VERSION
	$(BIN)/python -m training --store $(STORE) --version $(VERSION)
else
	$(BIN)/python -m training --store $(STORE) --version 2
	$(BIN)/python -m training --store $(STORE) --version 3 --models classifier --classifier-epochs 16
	$(BIN)/python -m training.reconfine --store $(STORE) --confine cranium --classifier-from 3 --segmenter-from 2 --version 9
	$(BIN)/python -m training --store $(STORE) --version 79 --models segmenter --confine cranium \
		--brain-window-fraction 1.0 --source-mix atlas=0.5,procedural_ct=0.35,procedural=0.15 --train-count 3000 \
		--segmenter-epochs 3 --init-segmenter $(STORE)/ich_segmenter/9 --learning-rate 1e-4
	$(BIN)/python -m training --store $(STORE) --version 36 --models classifier --confine cranium \
		--brain-window-fraction 1.0 --source-mix atlas=0.5,procedural_ct=0.35,procedural=0.15 --classifier-epochs 12
	$(BIN)/python -m training.choose_scan_rule --store $(STORE) --version 36 --seed 77 --volumes 128
	$(BIN)/python -m training.choose_scan_rule --store $(STORE) --version 36 --seed 77 --volumes 128 --input brain_window_8bit
endif

# A tiny training run in a venv that holds the train set only (CI runs it), so a missing train requirement fails.
TRAIN_VENV ?= .venv-train
train-smoke:
	$(MAKE) VENV=$(TRAIN_VENV) $(TRAIN_VENV)/.train
	$(TRAIN_VENV)/bin/python -m training --smoke --store $$(mktemp -d) --version 1 --run-dir $$(mktemp -d)

contact-sheet: $(VENV)/.train
	$(BIN)/python -m training.contact_sheet --out docs/phantoms.png
	$(BIN)/python -m training.contact_sheet --atlas
	$(BIN)/python -m training.contact_sheet --ct --rows 2

# The real-scan bench (docs/realct.md): the InVesalius head CT from ../shared/realct, or, where there is no ../shared,
# Debian's 256² copy of it (invesalius-examples), fetched into data/realct/ first; needs apt-get and dpkg-deb.
realct: $(VENV)/.dev
	$(BIN)/python -m bench.realct

# The DICOM integration tests with the slow ones (docs/integration.md): the C-STORE round trip of the real CT, both
# round trips on the shipped models, kill -9 and restart, two replicas on PostgreSQL. About 6 minutes on 2 cores;
# needs apt's dicom3tools, orthanc, orthanc-dicomweb and postgresql (.ci/run installs them).
integration-test: $(VENV)/.dev
	ICH_SLOW_INTEGRATION=1 ICH_ROUND_TRIP_SHIPPED_MODELS=1 $(BIN)/python -m pytest tests/integration

clean:
	rm -rf $(VENV) $(TRAIN_VENV) .pytest_cache
