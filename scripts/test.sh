#!/usr/bin/env bash
# Runs the gates, then the whole test suite; any finding or failure fails the run.
# - ruff check netemu tests bench   (rules and the 100-column limit: pyproject [tool.ruff])
# - mypy netemu                     (--strict on netemu/route53 and netemu/vpc: [tool.mypy])
# - pytest "$@"                     (exit code 5, no test collected, is a failure here)
set -uo pipefail
cd "$(dirname "$0")/.."
echo "test.sh: ruff check netemu tests bench"
.venv/bin/ruff check netemu tests bench || { echo "test.sh: ruff findings: failing" >&2; exit 1; }
echo "test.sh: mypy netemu"
.venv/bin/mypy netemu || { echo "test.sh: mypy findings: failing" >&2; exit 1; }
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "test.sh: pytest collected no tests: failing" >&2
  exit 1
fi
exit $rc
