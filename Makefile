# make serve: install and serve the shipped models. make test: install and run the tests.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test train contact-sheet clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

serve: $(VENV)/.runtime
	ICH_HOST=$(HOST) ICH_PORT=$(PORT) $(BIN)/python -m uvicorn app.main:app --host $(HOST) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/python -m pytest

# `make train VERSION=N` trains both models as version N into STORE. Without VERSION it reproduces the shipped ones
# (versions are immutable, so into another STORE): both v2, whose ResUNet is served, then classifier v3; about two
# hours in all on a 2-core CPU.
STORE ?= model_store
train: $(VENV)/.runtime
ifdef VERSION
	$(BIN)/python -m training --store $(STORE) --version $(VERSION)
else
	$(BIN)/python -m training --store $(STORE) --version 2
	$(BIN)/python -m training --store $(STORE) --version 3 --models classifier --classifier-epochs 16
endif

contact-sheet: $(VENV)/.runtime
	$(BIN)/python -m training.contact_sheet --out docs/phantoms.png

clean:
	rm -rf $(VENV) .pytest_cache
