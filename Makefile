# SupportPM developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Local runs default to DEBUG on; production sets DEBUG=0 and SECRET_KEY.
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: install chromium run worker beat test test-fast lint fmt bench loadtest loadtest-moves check-deploy clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install  ## web app + Celery worker + beat on http://127.0.0.1:8000 (Ctrl-C stops all)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --if-empty
	@echo ""
	@echo "  SupportPM is starting on http://127.0.0.1:8000  (Ctrl-C stops the web app, worker and beat)"
	@echo ""
	$(DEV_ENV) PATH="$(BIN):$$PATH" $(BIN)/honcho -f Procfile start

worker: install  ## a Celery worker alone
	$(DEV_ENV) $(BIN)/celery -A supportpm worker --loglevel INFO

beat: install  ## Celery beat alone
	$(DEV_ENV) $(BIN)/celery -A supportpm beat --loglevel INFO

test: install chromium  ## the whole suite: unit, integration, browser (in Debian's chromium)
	$(BIN)/pytest -n auto

# The browser tests drive Debian's chromium. When it is missing, root (or passwordless sudo) installs it
# the way CI does; anyone else is told the one command to run. CHROMIUM_PATH names another browser.
chromium:
	@browser="$${CHROMIUM_PATH:-/usr/bin/chromium}"; \
	if [ ! -x "$$browser" ] && [ "$$browser" = /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	  else echo "Browser tests need Debian's chromium. Install it once with: sudo apt-get install -y chromium fonts-liberation"; exit 1; fi; \
	  echo "Installing Debian's chromium for the browser tests (apt-get install chromium fonts-liberation)..."; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium fonts-liberation >/dev/null || exit 1; \
	fi; \
	test -x "$$browser" || { echo "Browser tests need a chromium at $$browser (CHROMIUM_PATH)."; exit 1; }

test-fast: install  ## everything but the browser tests
	$(BIN)/pytest -n auto -m "not browser and not bench"

lint: install  ## ruff, formatting, types, import layers, migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install  ## production settings pass Django's deployment checks
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-value-for-the-check \
	ALLOWED_HOSTS=supportpm.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install  ## benchmarks (PostgreSQL recommended: set DATABASE_URL)
	$(BIN)/pytest -m bench tests/bench -p no:xdist -s

loadtest: install  ## bounded locust run against a local server on 127.0.0.1:8000
	$(BIN)/locust -f tests/bench/locustfile.py --headless --host http://127.0.0.1:8000 -u 20 -r 5 -t 60s

loadtest-moves: install  ## card moves back to back (8 users, 30 s) against a local server on 127.0.0.1:8000
	$(BIN)/locust -f tests/bench/locustfile.py Mover --headless --host http://127.0.0.1:8000 -u 8 -r 8 -t 30s --only-summary

clean:
	rm -rf $(VENV) var staticfiles test-results
