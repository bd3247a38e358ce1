# Myndnet: `make up` runs the network locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.local/bin:$(PATH)

PYTEST_ARGS ?=

# pytest keeps the test modules it rewrites for its assertions in __pycache__ only when Python
# may write bytecode; without it every run rewrites them all again (a quarter of `make unit`).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install servers servers-down up down demo test unit lint bench faults fuzz soak first-run clean browser imap

help:
	@echo "make up        start Kafka, PostgreSQL, the SMTP sink and the services (.run/)"
	@echo "               SECURE=1: Kafka with SASL/SCRAM over TLS and ACLs, each service its login"
	@echo "               KAFKA_NODES=3: a three-node Kafka cluster, topics replicated three times"
	@echo "make down      stop what make up started"
	@echo "make test      start the local servers if needed and run the whole test suite"
	@echo "make unit      the tests that need no servers"
	@echo "make demo      a day in the network, played against a running make up"
	@echo "make bench     the benchmarks (figures and side-by-side ratios)"
	@echo "make faults    every fault scenario at full size (make test runs them small, one on three nodes)"
	@echo "make fuzz      the fuzzers of make test, bigger (OpenAPI: FUZZ_EXAMPLES, 200, per operation; make test: 12)"
	@echo "make soak      30 minutes of steady traffic: PostgreSQL's size and the services' memory"
	@echo "make lint      ruff, mypy, the contract documents check, the AsyncAPI parser"
	@echo "make first-run clone into a private folder; make up (3 times, fresh servers), demo, down"
	@echo "make clean     make down, then remove .run/ and PostgreSQL's data"

install:
	@bash dev/install.sh

servers: install
	@bash dev/postgres.sh start
	@bash dev/kafka.sh start
	@bash dev/smtp.sh start

servers-down:
	@bash dev/imap.sh stop
	@bash dev/smtp.sh stop
	@bash dev/kafka.sh stop
	@bash dev/postgres.sh stop

up: servers
	@bash dev/services.sh start

down:
	@bash dev/services.sh stop
	@$(MAKE) --no-print-directory servers-down

browser:
	@bash dev/chromium.sh

# The IMAP server (Debian's dovecot) that the tests of notify's bounce mailbox read.
imap:
	@bash dev/imap.sh start

# Two workers share the tests (each test file on one worker); the tests that stop or restart the
# shared servers run alone afterwards. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

test: export KAFKA_QUICK_JIT = 1
test: servers browser imap
	uv run pytest -n $(TEST_WORKERS) --dist loadfile -m "not exclusive" --durations=15 $(PYTEST_ARGS)
	uv run pytest -m exclusive $(PYTEST_ARGS) || [ $$? -eq 5 ]

faults: servers
	FAULTS=long uv run pytest tests/faults -s $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 200

# The fuzzers of make test, bigger: every HTTP operation, every consumer, every event schema.
fuzz: servers
	MYNDNET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MYNDNET_FUZZ_BATCHES=300 MYNDNET_FUZZ_SCHEMA_EXAMPLES=1000 \
	  uv run pytest tests/e2e/test_openapi_fuzz.py tests/test_consumers_fuzz.py schemas/tests/test_schemas_fuzz.py -s $(PYTEST_ARGS)

soak: servers
	uv run python bench/soak.py $(SOAK_ARGS)

demo: install
	$(if $(filter 3,$(KAFKA_NODES)),KAFKA_BOOTSTRAP_SERVERS=$$(bash dev/kafka.sh bootstrap)) uv run python dev/demo.py $(DEMO_ARGS)

bench: servers
	uv run python bench/mentoring.py
	uv run python bench/notify.py
	uv run python bench/campaigns.py
	uv run python bench/vacancies.py
	uv run python bench/upsert.py
	uv run --group bench python bench/framework.py
	uv run --group bench python bench/network.py
	uv run python bench/web.py
	uv run python bench/ingest.py

unit: install
	uv run pytest -n $(TEST_WORKERS) -m "not integration" $(PYTEST_ARGS)

lint: install
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy schemas/src libs/*/src services/*/src
	uv run python -m myndnet_schemas.docs --check
	uv run python dev/configuration_doc.py --check
	uv run python dev/asyncapi_documents.py .run/asyncapi
	bash dev/asyncapi/check.sh schemas/asyncapi.json .run/asyncapi/*.json

first-run: install
	@bash dev/first-run-check.sh $(RUNS)

clean: down
	@bash dev/postgres.sh reset
	rm -rf .run
