#!/usr/bin/env bash
# `just bench`: the four figures of issue 6, printed in one run (not a timed
# test). Loopback only; every loop and command is bounded; nginx is stopped
# on exit. Figures are recorded by hand in docs/performance.md.
#
# `just bench` runs every part; `just bench throughput` (or suite, schedule,
# memory, prepare) runs only the parts named. BENCH_BASELINE=/path/to/hooksim
# adds that build (an older commit's, say) to every throughput round, so a
# change's before and after are measured in one run.
set -euo pipefail

parts=${*:-throughput suite schedule memory prepare}
wants() { [[ " $parts " == *" $1 "* ]]; }
for part in $parts; do
    case $part in
    throughput | suite | schedule | memory | prepare) ;;
    *)
        echo "unknown part '$part': use throughput, suite, schedule, memory or prepare" >&2
        exit 2
        ;;
    esac
done

# A baseline build named relative to where the bench was started from.
baseline=${BENCH_BASELINE:-}
case $baseline in
"" | /*) ;;
*) baseline=$PWD/$baseline ;;
esac

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

burst_count=${BENCH_BURST_COUNT:-200000}
memory_burst_count=${BENCH_MEMORY_BURST_COUNT:-100000}
concurrency=64
body_bytes_goal=1024
load_seconds=${BENCH_LOAD_SECONDS:-5}
# Rounds of the three load generators in turn: the machine is shared and
# noisy, so the figures are medians.
rounds=${BENCH_ROUNDS:-3}

# What the bench drives must be present; Debian packages, installed only when missing.
apt_get=(apt-get)
[ "$(id -u)" -eq 0 ] || apt_get=(sudo apt-get)
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v jq >/dev/null || missing+=(jq)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing from Debian: ${missing[*]}"
    timeout 300 "${apt_get[@]}" update -q
    DEBIAN_FRONTEND=noninteractive timeout 600 "${apt_get[@]}" install -y -q "${missing[@]}"
fi
# hyperfine is optional: it gives a mean of several runs instead of one.
if ! command -v hyperfine >/dev/null; then
    DEBIAN_FRONTEND=noninteractive timeout 300 "${apt_get[@]}" install -y -q hyperfine ||
        echo "hyperfine not installed: wall times are single runs"
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
# oha, the load generator the issue names, from crates.io (--locked: without
# it a dependency wants a newer rustc). Its build takes a few minutes, once.
if wants throughput && ! command -v oha >/dev/null; then
    echo "installing oha from crates.io (once)"
    timeout 1500 cargo install oha --locked -q
fi

echo "building hooksim (release)"
timeout 900 cargo build --release -q -p hooksim
hooksim="$repo/target/release/hooksim"

work=$(mktemp -d)
nginx_pid=""
stop_nginx() {
    if [ -n "$nginx_pid" ]; then
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_nginx EXIT
# An interrupt ends the script, so the EXIT trap stops nginx.
trap 'exit 130' INT TERM

# A receiver faster than anything under test: nginx answering every POST with 200 OK.
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/nginx/logs" "$work/scenarios"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_max_body_size 1m;
    server {
        listen 127.0.0.1:$port;
        location / { return 200 "ok\n"; }
    }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
url="http://127.0.0.1:$port/hemnet"
for _ in $(seq 1 50); do
    curl -s -o /dev/null -X POST "$url" && break
    sleep 0.1
done
# The port is chosen at random: a live nginx of ours, not another server, must answer.
kill -0 "$nginx_pid" 2>/dev/null && curl -sf -o /dev/null -X POST "$url" || {
    echo "nginx did not start on 127.0.0.1:$port" >&2
    cat "$work/nginx/logs/error.log" >&2
    exit 1
}

# A Hemnet burst scenario; MESSAGE pads data.message so each body is ~1 KB.
write_burst() { # file count message
    cat >"$1" <<EOF
name: bench burst of $2 Hemnet leads at concurrency $concurrency
provider: hemnet
rule: bench/burst
source: tests/bench/run.sh
target: /hemnet
settings: { secret: bench-secret }
seed: 1
steps:
  - burst: { event: CONTACT.CREATE, count: $2, concurrency: $concurrency, set: { data.message: "$3" } }
    expect: { all_acknowledged: true }
EOF
}
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
    echo "BENCH_BASELINE=$baseline is not an executable hooksim" >&2
    exit 2
fi
run_burst() { # scenario-file json-file [hooksim]: CPU seconds (user system) of the whole run in $work/cpu
    /usr/bin/time -f '%U %S' -o "$work/cpu" timeout 300 "${3:-$hooksim}" run "$1" --target "hemnet=$url" --json "$2" \
        --update-snapshots --snapshot-dir "$work/snapshots" >"$work/run.log" 2>&1 || {
        cat "$work/run.log" >&2
        exit 1
    }
}
burst_figure() { # json-file jq-path: one figure of the burst step, to one decimal
    jq -r ".scenarios[0].steps[0].burst.$2 | if type == \"number\" then . * 10 | round / 10 else . end" "$1"
}

# One unpadded delivery tells how much padding makes a 1 KB body.
write_burst "$work/scenarios/probe.yaml" 1 ""
run_burst "$work/scenarios/probe.yaml" "$work/probe.json"
unpadded=$(burst_figure "$work/probe.json" body_bytes)
padding=$((body_bytes_goal - unpadded))
[ "$padding" -ge 0 ] || padding=0
message=$(head -c "$padding" /dev/zero | tr '\0' 'x')

# CPU time nginx (master and workers) has used so far, in clock ticks.
clock_ticks=$(getconf CLK_TCK)
nginx_ticks() {
    local total=0 pid fields
    for pid in "$nginx_pid" $(pgrep -P "$nginx_pid"); do
        # Fields 14 and 15 of /proc/PID/stat: user and system ticks.
        read -r -a fields <"/proc/$pid/stat" || continue
        total=$((total + fields[13] + fields[14]))
    done
    echo "$total"
}
# Microseconds of CPU per request: seconds (or ticks with a third argument) over requests.
per_request_us() { # cpu requests [ticks]
    awk -v c="$1" -v n="$2" -v t="${3:-}" -v hz="$clock_ticks" \
        'BEGIN { if (t != "") c = c / hz; printf "%.1f", c * 1000000 / n }'
}
cpu_seconds() { awk '{ print $1 + $2 }' "$work/cpu"; }

# The median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

throughput() {
    echo
    echo "== 1. burst throughput against nginx (1 KB bodies, concurrency $concurrency," \
        "$rounds rounds of hooksim, oha, wrk in turn; medians)"
    write_burst "$work/scenarios/burst.yaml" "$burst_count" "$message"
    head -c "$body_bytes_goal" /dev/zero | tr '\0' 'x' >"$work/body-1k"
    printf 'wrk.method = "POST"\nwrk.body = string.rep("x", %d)\nwrk.headers["Content-Type"] = "application/json"\n' \
        "$body_bytes_goal" >"$work/post-1k.lua"
    local hooksim_runs=() oha_runs=() wrk_runs=()
    local hooksim_cpu=() oha_cpu=() hooksim_nginx=() oha_nginx=()
    local baseline_runs=() baseline_cpu=()
    local before requests
    for round in $(seq 1 "$rounds"); do
        if [ -n "$baseline" ]; then
            run_burst "$work/scenarios/burst.yaml" "$work/baseline.json" "$baseline"
            requests=$(burst_figure "$work/baseline.json" sent)
            baseline_runs+=("$(burst_figure "$work/baseline.json" throughput_per_s)")
            baseline_cpu+=("$(per_request_us "$(cpu_seconds)" "$requests")")
            echo "round $round baseline: $requests deliveries, ${baseline_runs[-1]}/s," \
                "client CPU ${baseline_cpu[-1]} µs/request ($baseline)"
        fi

        before=$(nginx_ticks)
        run_burst "$work/scenarios/burst.yaml" "$work/burst.json"
        requests=$(burst_figure "$work/burst.json" sent)
        hooksim_runs+=("$(burst_figure "$work/burst.json" throughput_per_s)")
        hooksim_cpu+=("$(per_request_us "$(cpu_seconds)" "$requests")")
        hooksim_nginx+=("$(per_request_us $(($(nginx_ticks) - before)) "$requests" ticks)")
        echo "round $round hooksim: $requests deliveries of" \
            "$(burst_figure "$work/burst.json" body_bytes) bytes, ${hooksim_runs[-1]}/s," \
            "client CPU ${hooksim_cpu[-1]} µs/request, nginx ${hooksim_nginx[-1]} µs/request" \
            "(p50 $(burst_figure "$work/burst.json" latency_ms.p50) ms," \
            "p99 $(burst_figure "$work/burst.json" latency_ms.p99) ms," \
            "outcomes $(jq -c '.scenarios[0].steps[0].burst.outcomes' "$work/burst.json"))"

        before=$(nginx_ticks)
        /usr/bin/time -f '%U %S' -o "$work/cpu" timeout $((load_seconds + 30)) \
            oha --no-tui --output-format json -z "${load_seconds}s" \
            -c "$concurrency" -m POST -T application/json -D "$work/body-1k" "$url" >"$work/oha.json"
        requests=$(jq -r '[.statusCodeDistribution[]] | add' "$work/oha.json")
        oha_runs+=("$(jq -r '.summary.requestsPerSec | . * 10 | round / 10' "$work/oha.json")")
        oha_cpu+=("$(per_request_us "$(cpu_seconds)" "$requests")")
        oha_nginx+=("$(per_request_us $(($(nginx_ticks) - before)) "$requests" ticks)")
        echo "round $round oha:     $requests requests, ${oha_runs[-1]}/s," \
            "client CPU ${oha_cpu[-1]} µs/request, nginx ${oha_nginx[-1]} µs/request" \
            "($(jq -r '.summary.successRate * 100' "$work/oha.json")% answered," \
            "p50 $(jq -r '.latencyPercentiles.p50 * 10000 | round / 10' "$work/oha.json") ms," \
            "p99 $(jq -r '.latencyPercentiles.p99 * 10000 | round / 10' "$work/oha.json") ms)"

        timeout $((load_seconds + 30)) wrk -c "$concurrency" -t 2 -d "${load_seconds}s" \
            -s "$work/post-1k.lua" "$url" >"$work/wrk.log"
        wrk_runs+=("$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.log")")
        echo "round $round wrk:     ${wrk_runs[-1]}/s ($(grep -E 'requests in' "$work/wrk.log" | sed 's/^ *//'))"
    done
    local hooksim_rps oha_rps wrk_rps
    hooksim_rps=$(median "${hooksim_runs[@]}")
    oha_rps=$(median "${oha_runs[@]}")
    wrk_rps=$(median "${wrk_runs[@]}")
    ratio() { awk -v h="$1" -v o="$2" 'BEGIN { printf "%.2f", h / o }'; }
    local hooksim_cpu_us oha_cpu_us
    hooksim_cpu_us=$(median "${hooksim_cpu[@]}")
    oha_cpu_us=$(median "${oha_cpu[@]}")
    echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "medians: hooksim $hooksim_rps/s, oha $oha_rps/s, wrk $wrk_rps/s"
    echo "medians, client CPU per request: hooksim $hooksim_cpu_us µs, oha $oha_cpu_us µs;" \
        "nginx CPU per request: under hooksim $(median "${hooksim_nginx[@]}") µs, under oha $(median "${oha_nginx[@]}") µs"
    echo "ratio hooksim/oha: $(ratio "$hooksim_rps" "$oha_rps") (goal >= 0.9)"
    echo "ratio client CPU per request hooksim/oha: $(ratio "$hooksim_cpu_us" "$oha_cpu_us") (goal <= 1.2)"
    echo "ratio hooksim/wrk: $(ratio "$hooksim_rps" "$wrk_rps")"
    if [ -n "$baseline" ]; then
        local baseline_rps baseline_cpu_us
        baseline_rps=$(median "${baseline_runs[@]}")
        baseline_cpu_us=$(median "${baseline_cpu[@]}")
        echo "medians, baseline: $baseline_rps/s, client CPU $baseline_cpu_us µs/request;" \
            "this build against it: throughput $(ratio "$hooksim_rps" "$baseline_rps") ×," \
            "client CPU $(ratio "$hooksim_cpu_us" "$baseline_cpu_us") ×"
    fi
}

prepare() {
    echo
    echo "== 5. preparing one burst delivery, step by step (no network)"
    timeout 900 cargo bench -q -p hooksim-harness --bench burst_prepare
}

# Wall time of one command: a mean of several runs with hyperfine, else one run.
wall_time() { # runs label command...
    local runs=$1 label=$2
    shift 2
    if command -v hyperfine >/dev/null; then
        timeout 600 hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/hf.json" \
            --style none "$*" >/dev/null 2>"$work/hf.err"
        echo "$label: mean $(jq -r '.results[0].mean * 1000 | . * 10 | round / 10' "$work/hf.json") ms," \
            "min $(jq -r '.results[0].min * 1000 | . * 10 | round / 10' "$work/hf.json") ms" \
            "over $runs runs (hyperfine)"
    else
        local start end
        start=$(date +%s%N)
        timeout 600 "$@" >/dev/null
        end=$(date +%s%N)
        echo "$label: $(((end - start) / 1000000)) ms (one run)"
    fi
}

suite() {
    echo
    echo "== 2. full built-in suite (hooksim run scenarios)"
    timeout 600 "$hooksim" run scenarios | tail -1
    wall_time 5 "full suite" "$hooksim" run scenarios
}

schedule() {
    echo
    echo "== 3. Hemnet 7-day retry schedule (whole process: start, built-in receiver, 17 attempts)"
    wall_time 20 "7-day schedule" "$hooksim" run scenarios/hemnet/retry-schedule-7-days.yaml
}

memory() {
    echo
    echo "== 4. peak memory of a $memory_burst_count-delivery burst against nginx"
    write_burst "$work/scenarios/memory.yaml" "$memory_burst_count" "$message"
    timeout 300 /usr/bin/time -v "$hooksim" run "$work/scenarios/memory.yaml" --target "hemnet=$url" \
        --json "$work/memory.json" --update-snapshots --snapshot-dir "$work/snapshots" \
        >/dev/null 2>"$work/time.log"
    peak_kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$work/time.log")
    echo "peak RSS: $((peak_kb / 1024)) MB ($peak_kb kB) for $(burst_figure "$work/memory.json" sent) deliveries" \
        "at $(burst_figure "$work/memory.json" throughput_per_s)/s (goal < 100 MB)"
}

for part in $parts; do
    "$part"
done
