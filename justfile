# hooksim: play webhook-sending real-estate platforms against your receiver.

# List the recipes
default:
    @just --list

# Run the built-in contract suites against the built-in reference receiver
run *ARGS:
    cargo run --release -p hooksim -- run scenarios {{ARGS}}

# Run every test (unit, integration, end-to-end; installs the stranger receivers' Flask and Express first)
test:
    bash tests/strangers/install.sh
    cargo test --workspace

# Format, lint and test, as CI does
ci:
    bash .ci/run

# Accept every pending snapshot (.snap.new) after reading the diffs
accept:
    cargo run --release -p hooksim -- snapshots accept

# Show what the simulator knows about one provider (e.g. just provider hemnet)
provider ID:
    cargo run --release -p hooksim -- providers show {{ID}}

# Benchmark: burst throughput vs oha and wrk on nginx, suite and 7-day wall times,
# 100k-burst peak memory, per-delivery preparation cost (just bench throughput: one part; see tests/bench/run.sh)
bench *PARTS:
    bash tests/bench/run.sh {{PARTS}}

# Mutated scenario files through the reader, a million by default (CI runs 512): no panic, every mistake placed
fuzz CASES="1000000":
    HOOKSIM_FUZZ_CASES={{CASES}} cargo test --release -p hooksim-harness --test it parser_fuzz -- --nocapture
