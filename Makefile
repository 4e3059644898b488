# The two commands of the README:  `make serve`  and  `make test`.
# Both run `setup` first: Debian packages the tests and the data plane use (when root and
# missing), and a virtual environment in .venv with netemu and its test dependencies.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: setup serve test bench
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

serve: setup
	$(BIN)/netemu serve $(ARGS)

test: setup
	bash scripts/test.sh $(ARGS)

bench: setup
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
