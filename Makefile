# LowDim — the two commands are `make book` and `make test`; each creates the venv if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Exact versions of every package (pyproject.toml has only ranges); see its header.
CONSTRAINTS := constraints.txt
# Empty: torch comes from the configured package index (or a local wheel) like everything else.
# Set it to take torch from a PyTorch index first, e.g. the CPU build (PyPI's torch is the CUDA
# build, several GB): make setup TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
export LOWDIM_STATIC := 1
# Idle OpenMP threads sleep instead of spinning: on a busy machine a spinning pool steals the
# core its partner thread is waiting for (measured: one lesson cell 8x slower; tools/load_benchmark.py).
# It must be set before torch is loaded, so it is set here for every kernel the targets start.
export OMP_WAIT_POLICY ?= PASSIVE
# OpenBLAS (NumPy's and SciPy's copies) keeps its idle workers spinning for ~0.1-0.2 s after a call;
# on 2 cores that slowed the next torch product 2x (15 -> 30 ms) and scikit-learn's randomized SVD,
# which alternates two OpenBLAS copies, from 129-149 to 233 ms. 2^20 cycles (~0.4 ms) keeps
# back-to-back BLAS calls fast and lets a pool sleep between libraries (measured; Appendix A).
export OPENBLAS_THREAD_TIMEOUT ?= 20

.PHONY: setup book test lab run sync release clean help gpu-check load-benchmark pdf test-numerics bench

help:
	@echo "make book   - execute every lesson and build the book into _build/html"
	@echo "make test   - run the whole test suite (unit, oracle, exercises, notebooks, book, browser)"
	@echo "make lab    - open the lessons in JupyterLab"
	@echo "make run NB=notebooks/01_pca_svd.py  - execute one lesson into _build/run/ (committed notebook untouched)"
	@echo "make test NB=notebooks/01_pca_svd.ipynb - check one lesson (nbval, its pair, its exercises)"
	@echo "make sync NB=notebooks/01_pca_svd.py - re-execute one lesson into its paired .ipynb"
	@echo "make release OUT=release - classroom copy without solutions"
	@echo "make pdf    - the book as one PDF, _build/lowdim.pdf (needs TeX Live: texlive-xetex, latexmk)"
	@echo "make gpu-check - on a CUDA machine: unit tests and every lesson on the GPU, timings in gpu-check.json"
	@echo "make test-numerics NB=notebooks/01_pca_svd.ipynb - nbval with other float kernels (what another CPU prints)"
	@echo "make load-benchmark - the lessons' nbval run idle and beside 2 busy processes (slowdown report)"
	@echo "make bench  - every method against its oracle, side by side (docs/performance.json, Appendix A); QUICK=1: smoke test"

$(STAMP): pyproject.toml setup.py $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install -qq --no-deps -c $(CONSTRAINTS) --index-url $(TORCH_INDEX) torch)
	$(BIN)/python -m pip install -qq -c $(CONSTRAINTS) -e '.[all]'
	touch $(STAMP)

setup: $(STAMP)

book: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build . -W -n --keep-going --builder html; rc=$$?; \
	echo "make book: $$(( $$(date +%s) - start )) s, HTML in _build/html/index.html"; exit $$rc

# In `make test` (hence CI) an oracle library that fails to import is a failure, not a skip.
test: export LOWDIM_STRICT_ORACLES := 1
# `make test NB=notebooks/01_pca_svd.ipynb` checks one lesson: its notebook under nbval, its pair and
# its exercises.
LESSON = $(basename $(notdir $(NB)))
TEST_TARGETS = $(if $(NB),$(basename $(NB)).ipynb tests/test_notebooks.py tests/test_exercises.py -k "$(LESSON) or $(shell echo $(LESSON) | cut -c1-2)." ,tests notebooks)
test: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/python -m pytest --nbval-lax --nbval-sanitize-with tests/sanitize.cfg \
	  --nbval-cell-timeout=300 --durations=15 -p no:cacheprovider $(TEST_TARGETS); rc=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s (exit $$rc)"; exit $$rc

# `make test-numerics [NB=...]`: the lessons' nbval with other floating-point kernels — MKL's
# compatible code path and ATen's baseline vector ISA — so their rounding differs as another CPU's
# would. A check-tagged claim that fails here fails on some learner's (or CI's) machine: make it
# robust (print its margin) instead of relying on one CPU's last digits. Slower (no AVX kernels).
test-numerics: $(STAMP)
	MKL_CBWR=COMPATIBLE ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest --nbval-lax \
	  --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=600 -p no:cacheprovider \
	  $(if $(NB),$(basename $(NB)).ipynb,notebooks) tests/test_nbval_tolerance.py

lab: $(STAMP)
	LOWDIM_STATIC=0 $(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# `make run NB=notebooks/01_pca_svd.py`: execute one lesson into _build/run/ (the committed .ipynb is untouched)
run: $(STAMP)
	@test -n "$(NB)" || (echo "usage: make run NB=notebooks/NN_name.py"; exit 2)
	@mkdir -p _build/run
	$(BIN)/jupytext --to ipynb --execute --output _build/run/$(basename $(notdir $(NB))).ipynb $(basename $(NB)).py
	@echo "executed copy: _build/run/$(basename $(notdir $(NB))).ipynb"

sync: $(STAMP)
	@test -n "$(NB)" || (echo "usage: make sync NB=notebooks/NN_name.py"; exit 2)
	$(BIN)/jupytext --to ipynb --execute $(NB)

release: $(STAMP)
	$(BIN)/python -m lowdim_utils.course.instructor release --out $(or $(OUT),release)

# `make pdf`: the book as one PDF (_build/lowdim.pdf), from the committed notebooks; needs TeX Live
pdf: $(STAMP)
	$(BIN)/python tools/build_pdf.py --out-dir _build

gpu-check: $(STAMP)
	$(BIN)/python tools/gpu_check.py --out gpu-check.json

# `make bench`: the performance suite behind Appendix A (run it on an idle machine; ~15 min on 2 cores; the run it replaces goes to docs/performance-history/);
# `make bench QUICK=1` is the smoke test (tiny sizes, into _build/performance-quick.json).
bench: $(STAMP)
	$(BIN)/python tools/perf.py $(if $(QUICK),--quick --out _build/performance-quick.json)

load-benchmark: $(STAMP)
	$(BIN)/python tools/load_benchmark.py --out load-benchmark.json

clean:
	rm -rf _build release build gpu-check.json load-benchmark.json
