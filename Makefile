# The two commands a newcomer needs. Both install what is missing first.
.PHONY: demo test pkg bench

demo: ## build the package and serve the demo shop on http://127.0.0.1:8080
	bash scripts/demo.sh

test: ## every test: lint, native, wasm in Node and Chrome, package import, tsc, page tests
	bash scripts/test.sh

pkg: ## build the npm package into pkg/
	bash scripts/setup.sh && bash scripts/build-pkg.sh

bench: ## speed/size harness: Node, headless Chromium, JS baselines, peers, native (about 5 min; FULL=1 for the whole grid)
	bash scripts/setup.sh && bash scripts/build-pkg.sh
	cd benches && npm install --no-audit --no-fund --ignore-scripts
	cd benches && (node -e "require('usearch')" 2>/dev/null || npm_config_nodedir=$$(dirname $$(dirname $$(readlink -f $$(command -v node)))) npm rebuild usearch >/dev/null 2>&1 || echo "usearch addon not built: it will be reported as skipped")
	cd benches && node run.mjs $(if $(FULL),--full,) $(BENCH_FLAGS)
