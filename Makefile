# Komok — the commands a developer needs. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := ky ru en

.PHONY: run test bench translations lint demo clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m translations.compile
	touch $(STAMP)

## Open the desktop app (a demo database is created on first start when there is no real one).
run: $(STAMP)
	$(BIN)/komok

## Run the whole suite headless: unit, UI (offscreen) and PostgreSQL integration tests.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

## Performance figures beside their same-run baselines (builds cached demo databases).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench $(BENCH_ARGS)

## Extract messages, update ky/ru/en catalogs, compile them.
translations: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg \
		-k N_ -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 \
		--project=komok -o translations/komok.pot desktop models forms reports translations
	for l in $(LANGS); do \
		if [ -f translations/$$l/LC_MESSAGES/komok.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -D komok -i translations/komok.pot -d translations -l $$l; \
		else \
			$(BIN)/pybabel init -D komok -i translations/komok.pot -d translations -l $$l; \
		fi; \
	done
	$(BIN)/python -m translations.compile

lint: $(STAMP)
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV)
