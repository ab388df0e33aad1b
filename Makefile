# Shortcuts for the scripts in scripts/ (the README's commands work without make).
.PHONY: run test bindings setup
run: ; scripts/run.sh
test: ; scripts/test.sh
bindings: ; scripts/bindings.sh
setup: ; scripts/setup.sh --test
