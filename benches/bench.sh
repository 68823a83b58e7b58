#!/usr/bin/env bash
# Full-build benchmark: median wall time and peak memory of `communique build` over generated
# corpora, each run into a fresh, empty output folder, optionally beside Hugo on the same briefs.
#
#   benches/bench.sh [--briefs 1000,10000] [--runs 5] [--hugo]
#
# Needs /usr/bin/time (Debian package `time`); --hugo needs `hugo` (Debian package `hugo`).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="1000,10000"
runs=5
with_hugo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --briefs) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --hugo) with_hugo=1; shift ;;
    *) echo "usage: $0 [--briefs N,N] [--runs N] [--hugo]" >&2; exit 2 ;;
  esac
done

cargo build --release --quiet --bin communique --example gen_corpus
bench_dir="target/bench"
mkdir -p "$bench_dir"

# Prints "seconds kilobytes" for one run of the command given.
measure() {
  /usr/bin/time -f "%e %M" -o "$bench_dir/time.txt" "$@" >/dev/null 2>&1
  cat "$bench_dir/time.txt"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Runs a build command `runs` times into fresh folders; prints "median min max peak_MiB".
series() {
  local name="$1"; shift
  local results="$bench_dir/$name.results"
  : > "$results"
  for i in $(seq 1 "$runs"); do
    local out="$bench_dir/out-$name-$i"
    rm -rf "$out"
    sync
    # "$@" gets the output folder appended.
    measure "$@" "$out" >> "$results"
  done
  local med min max mem
  med=$(cut -d' ' -f1 "$results" | median)
  min=$(cut -d' ' -f1 "$results" | sort -n | head -1)
  max=$(cut -d' ' -f1 "$results" | sort -n | tail -1)
  mem=$(cut -d' ' -f2 "$results" | median)
  echo "$med $min $max $((${mem%.*} / 1024))"
  # Remove outputs in the background: deleting thousands of files would swamp the next timing.
  (for i in $(seq 1 "$runs"); do rm -rf "$bench_dir/out-$name-$i"; done) &
}

printf '| briefs | communique median s | min | max | peak MiB |'
[ "$with_hugo" = 1 ] && printf ' Hugo median s | Hugo peak MiB | Hugo / communique |'
printf '\n|---|---|---|---|---|'
[ "$with_hugo" = 1 ] && printf -- '---|---|---|'
printf '\n'

IFS=',' read -r -a size_list <<< "$sizes"
for n in "${size_list[@]}"; do
  corpus="$bench_dir/corpus-$n"
  [ -d "$corpus" ] || target/release/examples/gen_corpus --briefs "$n" --out "$corpus" >/dev/null
  read -r med min max mem < <(series "c$n" target/release/communique --root "$corpus" build --output-dir)
  printf '| %s | %s | %s | %s | %s |' "$n" "$med" "$min" "$max" "$mem"
  if [ "$with_hugo" = 1 ]; then
    hugo_corpus="$bench_dir/hugo-$n"
    [ -d "$hugo_corpus" ] || target/release/examples/gen_corpus --briefs "$n" --out "$hugo_corpus" --format hugo >/dev/null
    read -r hmed _ _ hmem < <(series "h$n" hugo --quiet --source "$hugo_corpus" --destination)
    printf ' %s | %s | %s |' "$hmed" "$hmem" "$(awk -v h="$hmed" -v c="$med" 'BEGIN { printf "%.1f", h / c }')"
  fi
  printf '\n'
done
wait
