# The two commands that matter: `make up` runs the shop, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export COMPOSE_PROJECT_NAME ?= shop
export SHOP_IMAGE_TAG ?= dev
export GATEWAY_PORT ?= 8080

# Evaluated when used, after ensure-docker may have installed a compose.
COMPOSE = $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
UV = $(shell command -v uv || echo "python3 -m uv")
# The base images `make base-images` picked (.images.env), for anything that builds.
WITH_IMAGES = set -a && . ./.images.env && set +a &&

.PHONY: help up down logs seed admin bench soak test lint typecheck unit e2e images base-images docker uv chromium

help:
	@echo "make up     build and start the whole shop, wait until healthy, print the URLs"
	@echo "make down   stop it and remove its containers, network and volume"
	@echo "make logs   follow the logs of every container"
	@echo "make test   lint, type-check, every service's tests, then the end-to-end tests"
	@echo "make seed   add the demo catalog's missing products to the running shop (make up does,"
	@echo "            in development); never changes a product that exists"
	@echo "make admin  create an admin in the running shop (ADMIN_EMAIL, ADMIN_USERNAME, ADMIN_PASSWORD)"
	@echo "make bench  start the shop (rate limits lifted) and the baseline shop, load both with wrk,"
	@echo "            write bench/results/latest.md and .png (BENCH_ARGS='--duration 3' for a short run)"
	@echo "make soak   the same stack under steady mixed load for SOAK_MINUTES (10), then a burst of"
	@echo "            1,000 clients; writes bench/results/soak.md and .png"

# A Docker engine and a compose; on a bare Debian machine with root (CI's), installed and started.
docker:
	@deploy/host/ensure-docker.sh

# The base images: the official ones (docker-compose.yml's defaults) when they are here or can
# be pulled; where no registry answers, stand-ins built once from Debian packages and reused
# (deploy/offline/README.md).
OFFICIAL_BASE_IMAGES = python:3.13-slim-trixie postgres:17-trixie nginx:stable-trixie debian:trixie-slim
base-images: docker
	@if docker image inspect $(OFFICIAL_BASE_IMAGES) >/dev/null 2>&1 || \
		timeout 20 docker pull -q $(firstword $(OFFICIAL_BASE_IMAGES)) >/dev/null 2>&1; then \
		echo "# the official base images: docker-compose.yml's defaults" > .images.env; \
	else \
		echo "no container registry answers: base images built from Debian packages (deploy/offline/)" >&2; \
		deploy/offline/base-images.sh > .images.env; \
	fi

# Debian's chromium, for the docs pages' browser test (tests/e2e/test_docs_pages.py).
chromium:
	@deploy/host/ensure-chromium.sh

uv:
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --all-packages --frozen --quiet

images: base-images
	@$(WITH_IMAGES) $(COMPOSE) build --quiet 2>/dev/null || $(WITH_IMAGES) $(COMPOSE) build

# In development (compose's default) the demo catalog is loaded too; never anywhere else.
up: images
	@$(WITH_IMAGES) $(COMPOSE) up -d --remove-orphans
	@deploy/scripts/wait-for-gateway.sh "http://localhost:$(GATEWAY_PORT)"
	@if [ "$${ENVIRONMENT:-development}" = development ]; then $(MAKE) --no-print-directory seed; fi

# Only docker: neither picks nor builds an image.
down: docker
	@$(COMPOSE) down --volumes --remove-orphans

logs: docker
	@$(COMPOSE) logs -f

# The demo catalog (docs/catalog.md) into the running shop: adds what is missing, changes nothing.
seed: base-images
	@$(WITH_IMAGES) $(COMPOSE) run --rm seed-catalog

# The first admin (docs/auth.md). The password travels in the environment, never in argv.
admin: docker
	@if [ -z "$${ADMIN_EMAIL:-}" ] || [ -z "$${ADMIN_USERNAME:-}" ] || [ -z "$${ADMIN_PASSWORD:-}" ]; then \
		echo "usage: ADMIN_EMAIL=... ADMIN_USERNAME=... ADMIN_PASSWORD=... make admin" >&2; exit 2; fi
	@$(COMPOSE) exec -T -e ADMIN_PASSWORD users \
		python -m users.cli create-admin --email "$$ADMIN_EMAIL" --username "$$ADMIN_USERNAME"

# Benchmarks (bench/README.md, docs/benchmarks.md): the same stack with bench/compose.bench.yml
# on top, which lifts the gateway's rate limits and adds the baseline shop on 127.0.0.1.
BENCH_COMPOSE = $(COMPOSE) -f docker-compose.yml -f bench/compose.bench.yml
export BASELINE_PORT ?= 8090
BENCH_ARGS ?=
SOAK_MINUTES ?= 10
BENCH_UP = command -v wrk >/dev/null || deploy/host/ensure-wrk.sh; \
	$(WITH_IMAGES) $(BENCH_COMPOSE) build --quiet baseline; \
	$(WITH_IMAGES) $(BENCH_COMPOSE) up -d --remove-orphans; \
	deploy/scripts/wait-for-gateway.sh "http://localhost:$(GATEWAY_PORT)" >/dev/null

bench: uv images
	@$(BENCH_UP)
	$(UV) run python bench/run.py --gateway-url "http://localhost:$(GATEWAY_PORT)" \
		--baseline-url "http://127.0.0.1:$(BASELINE_PORT)" $(BENCH_ARGS)
	$(UV) run python libs/service-kit/bench/transaction_cost.py --out bench/results/transaction-cost.md
	@echo "The benchmark stack is still up; 'make down' removes it."

soak: uv images
	@$(BENCH_UP)
	$(UV) run python bench/soak.py --gateway-url "http://localhost:$(GATEWAY_PORT)" \
		--minutes "$(SOAK_MINUTES)"
	@echo "The benchmark stack is still up; 'make down' removes it."

# Every tracked shell script: the *.sh files and any file whose first line is a sh or bash shebang.
lint: uv
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	git ls-files -z | xargs -0 awk 'FNR == 1 && (FILENAME ~ /\.sh$$/ || /^#!.*[\/ ](ba)?sh$$/) \
		{ print FILENAME } { nextfile }' | xargs $(UV) run shellcheck

typecheck: uv
	$(UV) run mypy -p service_kit -p testing_kit -p users -p catalog -p orders

# One test suite (docs/testing.md): `make test` runs all of it in one pytest process, after
# lint and types; `unit` and `e2e` are the same suite selected by path.
unit: uv images
	$(UV) run pytest libs/service-kit/tests services/*/tests

e2e: uv images chromium
	$(UV) run pytest tests/e2e

test: lint typecheck uv images chromium
	$(UV) run pytest
