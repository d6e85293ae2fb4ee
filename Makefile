# The two commands that set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_DEPS := node_modules/.package-lock.json

.PHONY: help deps engine image build run test test-runsc test-engine-restart test-cluster load test-unit lint typecheck docs bench serve clean

help:
	@echo "make run    install everything, build the image, run examples/quickstart.py in the sandbox"
	@echo "make test   install everything, build the image, run the whole test suite (real engine)"
	@echo "make serve  the HTTP API on 127.0.0.1:8080 with config.yml (docs/api.md)"
	@echo "make lint | typecheck | image | build | clean"

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_DEPS)

engine:
	@bash scripts/ensure-docker.sh

image: engine
	@bash scripts/build-image.sh

build: deps
	npx tsc -p tsconfig.build.json
	@chmod +x dist/cli/main.js

run: build image
	node dist/cli/main.js run examples/quickstart.py

test: build image
	bash scripts/ensure-redis.sh
	@[ -x /usr/bin/python3 ] || command -v python3 >/dev/null || { [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; } || { echo 'make test: test/python-client.test.ts needs python3 (3.9+); install it' >&2; exit 1; }
	npx vitest run $(VITEST_ARGS)

# The container suites again under gVisor (the CLI suite writes its own runc configs).
test-runsc: build image
	TINYAGENT_TEST_RUNTIME=runsc npx vitest run --project docker src test/files.test.ts test/limits.test.ts test/warm-pool.test.ts test/results.test.ts test/security test/faults/orchestrator-crash.test.ts test/faults/chaos.test.ts $(VITEST_ARGS)

# Stops and restarts dockerd under running executions: never beside other container suites.
test-engine-restart: build image
	npx vitest run --config test/faults/vitest.engine-restart.config.ts $(VITEST_ARGS)

# API node, Redis and 2-3 worker hosts (each with its own dockerd) in network namespaces on
# this machine (test/support/cluster): root only, not part of `make test`.
test-cluster: build image
	bash scripts/ensure-redis.sh && npx vitest run --config test/cluster/vitest.cluster.config.ts $(VITEST_ARGS)

# 1,000 executions over HTTP at concurrency 8 against a `serve` process; prints latency and RSS.
load: build image
	npx vitest run --config test/load/vitest.load.config.ts $(VITEST_ARGS)

test-unit: deps
	npx vitest run --project unit

lint: deps
	npx biome check .

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

clean:
	rm -rf dist

docs: deps
	npx tsx scripts/write-config-docs.ts

serve: build image
	node dist/cli/main.js serve --config config.yml

# scale-out.ts starts its own redis-server and `node dist/cli/main.js worker` processes.
bench: build image
	npx tsx bench/policy.ts
	npx tsx bench/imports.ts
	npx tsx bench/cold-start.ts
	npx tsx bench/limits.ts
	npx tsx bench/warm-pool.ts
	npx tsx bench/warm-latency.ts
	npx tsx bench/http.ts
	bash scripts/ensure-redis.sh
	npx tsx bench/scale-out.ts
