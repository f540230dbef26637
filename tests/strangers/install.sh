#!/usr/bin/env bash
# Installs what the e2e tests run beside hooksim: for the stranger receivers
# (tests/strangers/), Flask (and check-jsonschema, for the workflow
# `hooksim init` writes and the exported schemas) into a virtualenv under
# target/strangers/venv (from PyPI) and Express into
# tests/strangers/node/node_modules; the official AsyncAPI parser into
# tests/contract/node_modules (from npm, as the lock files pin them).
# Safe to run again: it does nothing when all are already there.
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
if [ ! -d tests/contract/node_modules/@asyncapi/parser ]; then
  npm ci --prefix tests/contract --no-audit --no-fund --loglevel=error
fi
echo "stranger receivers ready: $venv/bin/python, node with tests/strangers/node/node_modules; the AsyncAPI parser in tests/contract/node_modules"
