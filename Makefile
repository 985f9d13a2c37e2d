# cpcdocs: `make demo` renders the sample pack, `make test` runs the whole suite.
# Both set everything up first, system packages included, on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= auto
# The demo signing key's passphrase (tools/make_demo_key.py prints it): no secret.
DEMO_PASSPHRASE := northmoor-demo-not-secret

.PHONY: setup system system-test demo test test-fast lint format bench clean messages golden

setup: system $(STAMP)

system:
	@./tools/install-system-deps.sh

# LibreOffice and Chromium, for the tests only (returned forms, the review sheet in a browser):
# kept out of `setup` so `make demo` stays fast.
system-test:
	@./tools/install-system-deps.sh --test

# The exact versions the tests passed with (requirements.lock, from tools/make_lock.py), then
# cpcdocs itself without letting pip pick any other version.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

demo: setup
	$(BIN)/cpcdocs validate samples/*.yaml
	$(BIN)/python tools/demo.py
	@# Signed outline plans, with a throwaway DEMO key made into out/ (never committed).
	$(BIN)/python tools/make_demo_key.py out/demo-signing
	CPCDOCS_SIGN_PASSPHRASE=$(DEMO_PASSPHRASE) $(BIN)/cpcdocs render samples/example-initial.yaml \
	  -o out/ --sign-key out/demo-signing/chair-okafor.p12
	$(BIN)/cpcdocs verify out/NM-2026-0412/decision/*/outline_plan-*.pdf \
	  --trust out/demo-signing/chair-okafor.pem
	@# The same case later on: reports returned, record approved (all five stages).
	$(BIN)/cpcdocs render samples/example-record.yaml -o out/
	@echo
	@echo "Done. The packs are in out/<reference>/<stage>/<recipient>/ (one folder per envelope):"
	@echo "  out/NM-2026-0412/invitations/mother/invitation.pdf     a parent's invitation"
	@echo "  out/NM-2026-0412/exclusions/father-theo/               an excluded father's notice"
	@echo "  out/NM-2026-0412/decision/sw-patel/outline_plan-maya.pdf  a plan signed with the DEMO key"
	@echo "  out/NM-2026-0412/record/mother/conference_record.pdf   the record, cut for a parent"
	@echo "  out/NM-2026-0412/manifest.json                what went to whom, when, and what was withheld"
	@echo "  out/NM-2026-0412/post-list.csv                the envelopes the last run made new or changed"
	@echo "Explain a recipient's redactions: $(BIN)/cpcdocs explain out/NM-2026-0412 father-theo --case samples/example-record.yaml"

test: setup system-test
	$(BIN)/python -m pytest -n $(JOBS) -q

# The fast tier, for a developer every few minutes: no whole packs, subprocesses or browsers.
test-fast: setup
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not slow"

# Accept a change to what the documents say: regenerate the golden text and distribution, then
# read the diff before committing it (tests/test_golden_text.py, tests/test_plan.py).
golden: setup
	CPCDOCS_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q -n $(JOBS) tests/test_golden_text.py tests/test_plan.py -k "golden or pinned"
	git diff --stat -- tests/golden

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict cpcdocs

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The letters' messages for translators: templates/locale/cpcdocs.pot (see README, Languages).
messages: setup
	$(BIN)/python tools/extract_messages.py

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .mypy_cache build dist *.egg-info
