# The two commands a newcomer needs. Both install what is missing first.
.PHONY: demo test pkg bench

demo: ## build the package and serve the demo shop on http://127.0.0.1:8080
	bash scripts/demo.sh

test: ## every test: lint, native, wasm in Node and Chrome, package import, tsc, page tests
	bash scripts/test.sh

pkg: ## build the npm package into pkg/
	bash scripts/setup.sh && bash scripts/build-pkg.sh
