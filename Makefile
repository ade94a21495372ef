# Gatehouse: every target installs what it needs first, so each works on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup node-deps env build-auth dev test test-auth test-backend test-package test-web test-dev test-e2e lint fmt bench bench-smoke

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

node-deps:
	@scripts/ensure-node-deps.sh

env: ## create .env (fresh secret); ADMIN_EMAIL=you@example.com names the first admin
	@ADMIN_EMAIL="$(ADMIN_EMAIL)" scripts/ensure-env.sh

build-auth: node-deps ## compile the auth server to auth-server/dist (what `npm start` and the image run)
	npm run build -w auth-server

setup: node-deps env ## install everything (npm workspaces, uv, Python deps)
	@if [ -f backend/Makefile ]; then $(MAKE) --no-print-directory -C backend setup; fi
	$(MAKE) --no-print-directory -C python/gatehouse-fastapi setup

dev: setup ## set up from nothing, run every service, print their URLs when all answer [ADMIN_EMAIL=…]
	@scripts/dev.sh

test: node-deps ## set up from nothing and run every test suite
	$(MAKE) --no-print-directory test-auth
	@if [ -f backend/Makefile ]; then $(MAKE) --no-print-directory test-backend; fi
	$(MAKE) --no-print-directory test-package
	@if [ -d web ]; then $(MAKE) --no-print-directory test-web; fi
	$(MAKE) --no-print-directory test-dev
	@if [ -d e2e ]; then $(MAKE) --no-print-directory test-e2e; fi
	@if [ -d bench ]; then $(MAKE) --no-print-directory bench-smoke; fi

test-auth: node-deps ## auth server suites (SQLite, PostgreSQL, Redis, Chromium for the API reference page)
	@scripts/ensure-redis.sh
	@scripts/ensure-chromium.sh
	npm run test -w auth-server

test-backend: node-deps ## backend suites (SQLite, PostgreSQL, integration with the real auth server)
	$(MAKE) --no-print-directory -C backend test

test-package: node-deps ## gatehouse-fastapi: its tests (SQLite, PostgreSQL), and the example from a fresh wheel against Gatehouse and stock better-auth
	$(MAKE) --no-print-directory -C python/gatehouse-fastapi test

test-web: node-deps ## web unit tests
	npm run test -w web

test-dev: node-deps ## `make dev` from a fresh clone: banner, every URL it prints answers, Ctrl-C stops all
	node --test --test-reporter=spec scripts/make-dev.test.mjs

test-e2e: node-deps ## Playwright in Debian's Chromium against all three services
	@scripts/ensure-chromium.sh
	npm run test -w e2e

lint: node-deps ## Biome, tsc, Ruff and the Python type checker
	npx biome check .
	npm run typecheck --workspaces --if-present
	@if [ -f backend/Makefile ]; then $(MAKE) --no-print-directory -C backend lint; fi
	$(MAKE) --no-print-directory -C python/gatehouse-fastapi lint
	scripts/check-deploy-files.sh

fmt: node-deps ## format everything
	npx biome format --write .
	@if [ -f backend/Makefile ]; then $(MAKE) --no-print-directory -C backend fmt; fi
	$(MAKE) --no-print-directory -C python/gatehouse-fastapi fmt

bench: setup build-auth ## full benchmarks, writes bench/RESULTS.md
	npm run bench -w bench

bench-smoke: node-deps build-auth ## a few seconds of each benchmark scenario, so the harness cannot rot
	npm run bench:smoke -w bench
