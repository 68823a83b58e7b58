#!/usr/bin/env bash
# Full-build benchmark: median wall time and peak memory of `communique build` over generated
# corpora, each run into a fresh, empty output folder, optionally beside Hugo on the same briefs.
#
#   benches/bench.sh [--briefs 1000,10000,100000] [--runs 5] [--hugo] [--out-root DIR]
#
# Outputs go to fresh folders under --out-root (default target/bench/runs, on the same disk as
# the checkout; pass /dev/shm/... for tmpfs). On a disk nothing is deleted while timing: on
# this machine's ext4 disk, creating files soon after deleting many is several times slower
# (see docs/performance.md), so every output folder is removed only after the last timing. Wait
# a few minutes (or pass --settle SECONDS) before timing again right after a benchmark. On
# tmpfs each output is removed right after its run.
#
# Needs /usr/bin/time (Debian package `time`); --hugo needs `hugo` (Debian package `hugo`).
# Hugo is skipped above 10,000 briefs: it would need ~28 GiB at 100,000 on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

sizes="1000,10000"
runs=5
with_hugo=0
settle=0
out_root="$repo/target/bench/runs"
while [ $# -gt 0 ]; do
  case "$1" in
    --briefs) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --hugo) with_hugo=1; shift ;;
    --settle) settle="$2"; shift 2 ;;
    --out-root) out_root="$2"; shift 2 ;;
    *) echo "usage: $0 [--briefs N,N] [--runs N] [--hugo] [--settle SECONDS] [--out-root DIR]" >&2
       exit 2 ;;
  esac
done

[ -x /usr/bin/time ] || { echo "bench.sh needs /usr/bin/time: apt-get install time" >&2; exit 2; }
if [ "$with_hugo" = 1 ] && ! command -v hugo >/dev/null; then
  echo "--hugo needs hugo: apt-get install hugo" >&2
  exit 2
fi

cargo build --release --quiet --bin communique --example gen_corpus
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
bench_dir="$repo/target/bench"
mkdir -p "$bench_dir" "$out_root"
# Absolute, so that neither tool resolves it against its site root.
out_root="$(cd "$out_root" && pwd)/$(date +%s)-$$"
mkdir -p "$out_root"
trap 'rm -rf "$out_root"' EXIT
on_tmpfs=0
[ "$(stat -f -c %T "$out_root")" = tmpfs ] && on_tmpfs=1

[ "$settle" -gt 0 ] && { sync; sleep "$settle"; }

# Prints "seconds kilobytes" for one run of the command given.
measure() {
  /usr/bin/time -f "%e %M" -o "$bench_dir/time.txt" "$@" >/dev/null 2>&1
  cat "$bench_dir/time.txt"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Runs a build command `runs` times, each into a new folder; prints "median min max peak_MiB".
# The raw runs go to $bench_dir/<name>.results.
series() {
  local name="$1"; shift
  local results="$bench_dir/$name.results"
  : > "$results"
  for i in $(seq 1 "$runs"); do
    sync
    # "$@" gets the output folder appended.
    measure "$@" "$out_root/$name-$i" >> "$results"
    # On tmpfs, outputs are memory: letting gigabytes of them pile up would slow later runs,
    # and removing them there costs nothing later.
    [ "$on_tmpfs" = 1 ] && rm -rf "${out_root:?}/$name-$i"
  done
  local med min max mem
  med=$(cut -d' ' -f1 "$results" | median)
  min=$(cut -d' ' -f1 "$results" | sort -n | head -1)
  max=$(cut -d' ' -f1 "$results" | sort -n | tail -1)
  mem=$(cut -d' ' -f2 "$results" | median)
  echo "$med $min $max $((${mem%.*} / 1024))"
}

printf '| briefs | communique median s | min | max | peak MiB |'
[ "$with_hugo" = 1 ] && printf ' Hugo median s | min | max | Hugo peak MiB | Hugo / communique |'
printf '\n|---|---|---|---|---|'
[ "$with_hugo" = 1 ] && printf -- '---|---|---|---|---|'
printf '\n'

IFS=',' read -r -a size_list <<< "$sizes"
for n in "${size_list[@]}"; do
  corpus="$bench_dir/corpus-$n"
  [ -d "$corpus" ] || "$bin/examples/gen_corpus" --briefs "$n" --out "$corpus" >/dev/null
  read -r med min max mem < <(series "c$n" "$bin/communique" --root "$corpus" build --output-dir)
  printf '| %s | %s | %s | %s | %s |' "$n" "$med" "$min" "$max" "$mem"
  if [ "$with_hugo" = 1 ] && [ "$n" -le 10000 ]; then
    hugo_corpus="$bench_dir/hugo-$n"
    [ -d "$hugo_corpus" ] || "$bin/examples/gen_corpus" --briefs "$n" --out "$hugo_corpus" --format hugo >/dev/null
    read -r hmed hmin hmax hmem < <(series "h$n" hugo --quiet --source "$hugo_corpus" --destination)
    printf ' %s | %s | %s | %s | %s |' "$hmed" "$hmin" "$hmax" "$hmem" \
      "$(awk -v h="$hmed" -v c="$med" 'BEGIN { printf "%.1f", h / c }')"
  fi
  printf '\n'
done
