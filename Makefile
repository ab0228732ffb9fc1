# RegioNetz: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: install translations lint run test test-postgres bench extract-messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile --statistics -d crm/translations

run: install translations
	$(FLASK) db upgrade
	$(FLASK) crm seed-demo --if-empty
	$(FLASK) crm demo-login --host $(HOST) --port $(PORT)
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .

test: install translations lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install translations lint
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py --scale $${SCALE:-100000} --with-million --json bench/out.json

extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o crm/translations/messages.pot .
	$(VENV)/bin/pybabel update -i crm/translations/messages.pot -d crm/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/*.sqlite
