#!/usr/bin/env bash
# Prints `key=HASH` (for $GITHUB_OUTPUT): a hash of the action's source in
# folder $1, every file but .git, target and node_modules, by path. The
# hooksim the action installs is cached under it, so refs with the same
# source share one build and a branch that moved is built again. (The
# action's ref is no key: composite actions do not reliably get it,
# actions/runner#2473.)
set -euo pipefail
cd "$1"
if command -v sha256sum > /dev/null; then
  sha=(sha256sum)
else
  sha=(shasum -a 256)
fi
hash=$(find . \( -name .git -o -name target -o -name node_modules \) -prune -o -type f -print0 |
  LC_ALL=C sort -z | xargs -0 "${sha[@]}" | "${sha[@]}")
echo "key=${hash%% *}"
