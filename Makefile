# Thin wrappers around dev.py and the tools in .venv.
.PHONY: run test setup lint format ci

run:
	python3 dev.py run

test:
	python3 dev.py test

setup:
	python3 dev.py setup

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DEBUG=true .venv/bin/mypy cases inspectie tools api
	DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

ci:
	CI=true bash .ci/run
