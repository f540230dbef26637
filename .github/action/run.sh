#!/usr/bin/env bash
# The run step of the hooksim action (action.yml): `hooksim run` with the
# action's inputs, which action.yml hands over as INPUT_* variables. Its
# reports go to the reports folder, its exit code is the step's (and, set
# as an output, the caller's to read); the upload step runs either way.
#
# Newline-separated inputs (scenarios, targets, filter) give one argument a
# line, trimmed, blank lines skipped, so a filter with spaces or quotes
# arrives as written. `args` is split into words the way a shell splits
# them (quotes group, a backslash escapes), with nothing expanded.
set -uo pipefail

fail() {
  echo "::error title=hooksim action::$1"
  exit 2
}

# Every non-blank line of $2, trimmed, appended to `command` as `$1=LINE`
# (the `=` keeps a value that starts with `-` a value).
append_lines() {
  local option=$1 line
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    if [ -n "$line" ]; then
      command+=("$option$line")
    fi
  done <<< "$2"
}

reports=${INPUT_REPORTS:-}
[ -n "$reports" ] || fail "the reports input is empty: it names the folder the reports go to"
partition=${INPUT_PARTITION:-}
partition=${partition//[[:space:]]/}
artifact=${INPUT_ARTIFACT_NAME:-}
if [ -z "$artifact" ]; then
  artifact=hooksim-reports
  if [ -n "$partition" ]; then
    # 2/3 -> hooksim-reports-2-of-3: each shard's artifact its own name.
    shard=${partition//\//-of-}
    artifact="$artifact-${shard//[!A-Za-z0-9._-]/-}"
  fi
fi
outputs=${GITHUB_OUTPUT:-/dev/null}
{
  echo "reports=$reports"
  echo "artifact-name=$artifact"
} >> "$outputs"

command=(hooksim run --format=github
  "--junit=$reports/junit.xml" "--html=$reports/report.html" "--json=$reports/report.json")
if [ -n "${INPUT_CONFIG:-}" ]; then
  command+=("--config=$INPUT_CONFIG")
fi
append_lines --target= "${INPUT_TARGETS:-}"
append_lines --filter= "${INPUT_FILTER:-}"
if [ -n "$partition" ]; then
  command+=("--partition=$partition")
fi
if [ -n "${INPUT_ARGS:-}" ] && [ -n "${INPUT_ARGS//[[:space:]]/}" ]; then
  # xargs splits like a shell and expands nothing; NUL ends each word.
  words=$(mktemp)
  printf '%s\n' "$INPUT_ARGS" | xargs printf '%s\0' > "$words" ||
    fail "the args input does not split into words (an unmatched quote?): $INPUT_ARGS"
  while IFS= read -r -d '' word; do
    command+=("$word")
  done < "$words"
  rm -f "$words"
fi
command+=(--)
append_lines "" "${INPUT_SCENARIOS:-}"

printf '+'
printf ' %q' "${command[@]}"
printf '\n'
status=0
"${command[@]}" || status=$?
echo "exit-code=$status" >> "$outputs"
exit "$status"
