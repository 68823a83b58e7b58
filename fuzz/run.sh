#!/usr/bin/env bash
# Runs the fuzz targets one after another (see docs/fuzzing.md).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 600 seconds each, all three targets
#   MAX_LEN=131072 fuzz/run.sh 600 markdown   longer inputs (default 16384 bytes), for slow ones
#   FUZZ_FLAGS=-len_control=0 ...             more libFuzzer flags (here: long inputs at once)
#
# Works on a stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only flags,
# and `-s none` skips the address sanitizer (the targets are safe Rust; see the docs).
# One libFuzzer process at a time (-fork=1), which keeps going after a crash or a timeout and
# saves each finding in fuzz/artifacts/TARGET/. Logs go to fuzz/TARGET-MAX_LEN.log.
# libFuzzer reports only inputs over the 10 s timeout, so each run ends by replaying the corpus
# and printing its three slowest inputs: a slow input is a finding too.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
max_len="${MAX_LEN:-16384}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(front_matter markdown build_page)
fi
export RUSTC_BOOTSTRAP=1
bin_dir="target/$(rustc -vV | sed -n 's/^host: //p')/release"
cargo fuzz build -s none -a
mkdir -p target
cat front_matter.dict markdown.dict > target/build_page.dict
for target in "${targets[@]}"; do
  case "$target" in
    front_matter) dict=front_matter.dict ;;
    markdown) dict=markdown.dict ;;
    *) dict=target/build_page.dict ;;
  esac
  mkdir -p "corpus/$target"
  cargo fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -max_len="$max_len" -dict="$dict" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -print_final_stats=1 ${FUZZ_FLAGS:-} > "$target-$max_len.log" 2>&1 || echo "$target exited with $?" >> "$target-$max_len.log"
  grep -E '^#[0-9]+' "$target-$max_len.log" | tail -1
  find "corpus/$target" -type f -print0 | xargs -0 "$bin_dir/$target" -runs=1 2>&1 |
    grep '^Executed' | sort -k4 -n | tail -3 || true
done
