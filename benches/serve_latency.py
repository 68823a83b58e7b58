#!/usr/bin/env python3
"""Edit-to-served latency of `communique serve` (standard library only).

    python3 benches/serve_latency.py CORPUS [--edits 10] [--brief content/section-03/brief-00013.md]

Starts `target/release/communique serve` on CORPUS (e.g. target/bench/corpus-10000 from
benches/bench.sh), then repeatedly inserts a unique line into one brief and polls its page over
HTTP until the line is served. With `--search`, it then polls the search index's shard of the
inserted word until the background refresh has indexed it (edit -> searchable). `--brief` may name a translation (`….ar.md`, from
`gen_corpus --translate P`); its page is then the one under `/ar/`. Prints each latency, the median, and the server's peak memory.
"""
import argparse, os, re, statistics, subprocess, sys, threading, time, urllib.error, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("corpus")
parser.add_argument("--edits", type=int, default=10)
parser.add_argument("--brief", default="content/section-03/brief-00013.md")
parser.add_argument("--binary", default="target/release/communique")
parser.add_argument("--search", action="store_true",
                    help="also time edit -> searchable (the site must have search on)")
args = parser.parse_args()

server = subprocess.Popen([args.binary, "--root", args.corpus, "serve", "--port", "0"],
                          stdout=subprocess.PIPE, text=True)
url = None
while url is None:
    line = server.stdout.readline()
    if not line:
        sys.exit("the server stopped before serving")
    sys.stdout.write(line)
    match = re.match(r"serving (http://\S+?)/? ", line)
    if match:
        url = match.group(1)
log = []
threading.Thread(target=lambda: log.extend(server.stdout), daemon=True).start()

path = os.path.join(args.corpus, args.brief)
# A translation (`x.ar.md`, no slug of its own) is served under its language: `/ar/…/x/`.
stem = args.brief.removeprefix("content/").removesuffix(".md")
code = re.fullmatch(r"(.*)\.([a-z]{2,3})", stem)
page = url + (f"/{code[2]}/{code[1]}/" if code else f"/{stem}/")
original = open(path).read()

def letters(n):
    """n written in the letters a-j: the index keeps words of letters whole."""
    return "".join("abcdefghij"[int(d)] for d in str(n))


def shard_url(word):
    """The index file holding `word` (src/search/compact.rs: shards by the first two letters)."""
    prefix = url + (f"/{code[2]}" if code else "")
    return f"{prefix}/search/data/w/{word[:2].encode().hex()}.json"


def fetch(address):
    try:
        return urllib.request.urlopen(address).read().decode()
    except urllib.error.HTTPError:
        return ""


latencies, searchable = [], []
try:
    for i in range(args.edits):
        token = f"zqprobe{letters(os.getpid())}x{letters(i)}"
        started = time.perf_counter()
        with open(path, "w") as f:
            f.write(original.replace("\n## ", f"\n{token}\n\n## ", 1))
        while token not in fetch(page):
            time.sleep(0.001)
        latencies.append((time.perf_counter() - started) * 1000)
        if args.search:
            while f'"{token}"' not in fetch(shard_url(token)):
                if time.perf_counter() - started > 60:
                    sys.exit(f"{token} was not indexed within 60 s")
                time.sleep(0.005)
            searchable.append((time.perf_counter() - started) * 1000)
        time.sleep(0.3)
finally:
    with open(path, "w") as f:
        f.write(original)
    time.sleep(0.5)
    status = open(f"/proc/{server.pid}/status").read()
    server.terminate()

print("".join(log[-3:]), end="")
print("edit -> served (ms):", " ".join(f"{t:.0f}" for t in latencies))
print(f"median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms")
if searchable:
    print("edit -> searchable (ms):", " ".join(f"{t:.0f}" for t in searchable))
    print(f"median {statistics.median(searchable):.0f} ms, max {max(searchable):.0f} ms")
# The server's own rebuild times (without the watcher's debounce and the polling).
rebuilds = [int(m[1]) for l in log if (m := re.search(r"^rebuilt .* in (\d+) ms", l))]
if rebuilds:
    print(f"server rebuilds (ms): median {statistics.median(rebuilds):.0f} of {len(rebuilds)}")
print(" ".join(l for l in status.splitlines() if l.startswith("VmHWM")))
