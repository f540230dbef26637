#!/usr/bin/env bash
# Installs what the stranger receivers (tests/strangers/) run on: Flask (and
# check-jsonschema, for the workflow `hooksim init` writes) into a
# virtualenv under target/strangers/venv (from PyPI), Express into
# tests/strangers/node/node_modules (from npm, as the lock file pins it).
# Safe to run again: it does nothing when both are already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/strangers/venv
if ! "$venv/bin/python" -c 'import flask, check_jsonschema' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/strangers/requirements.txt
fi
if [ ! -d tests/strangers/node/node_modules/express ]; then
  npm ci --prefix tests/strangers/node --no-audit --no-fund --loglevel=error
fi
echo "stranger receivers ready: $venv/bin/python, node with tests/strangers/node/node_modules"
