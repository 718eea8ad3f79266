#!/usr/bin/env bash
# Efficiency benchmark of the encode stage against the reference pipeline it replaces.
#
# Generates a corpus with the reference kit's make-corpus.sh, runs the reference pipeline
# (seed_baseline.py, downloading from a local rate-capped origin) and hlsfleet's encode stage
# (`hlsfleet encode-files`, the stage's own code and settings) on the same clips in the same run, then scores
# both with the kit's quality.sh. Prints a Markdown table: wall time, CPU seconds, mean SSIM (all
# variants, and per rung), mean bitrate, and the ratios against the reference.
#
# Usage: bench/encode-bench.sh [-k KIT_DIR] [-n CLIPS] [-s SECONDS] [-w WORK_DIR] [-j JOBS] [-S]
#   -k  reference kit directory (make-corpus.sh, seed_baseline.py, origin.sh, quality.sh);
#       default $HLSFLEET_BENCH_KIT, else ../shared/bench next to the repository
#   -n  number of clips (default 6)        -s  seconds per clip (default 10)
#   -w  work directory (default bench/work; the corpus there is reused between runs)
#   -j  concurrent encodes in hlsfleet's run (default: one per core, as the encode worker)
#   -S  skip the reference run (quick comparisons of hlsfleet settings)
# Any HLSFLEET_ENCODE_* variable set in the environment applies to hlsfleet's run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kit=${HLSFLEET_BENCH_KIT:-$repo/../shared/bench}
clips=6; secs=10; work=$repo/bench/work; jobs=$(nproc); seed=1
while getopts "k:n:s:w:j:S" opt; do
  case $opt in
    k) kit=$OPTARG ;; n) clips=$OPTARG ;; s) secs=$OPTARG ;; w) work=$OPTARG ;; j) jobs=$OPTARG ;; S) seed=0 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
for f in make-corpus.sh seed_baseline.py origin.sh quality.sh; do
  [ -f "$kit/$f" ] || { echo "reference kit not found: $kit/$f (use -k or HLSFLEET_BENCH_KIT)" >&2; exit 2; }
done
kit=$(cd "$kit" && pwd); mkdir -p "$work"; work=$(cd "$work" && pwd)
corpus=$work/corpus-${clips}x${secs}s
hlsfleet=$repo/hlsfleet
# As users run it: the first use builds the project, extracts the jar and records its start-up
# cache, none of which is timed.
"$hlsfleet" --version >/dev/null
echo "corpus: $clips clips of $secs s in $corpus" >&2
"$kit/make-corpus.sh" "$corpus" "$clips" "$secs" >/dev/null

# quality.sh runs under pipefail with `ffprobe | head -1`; with SIGPIPE ignored an early-closing
# head cannot fail it at random.
score() { (trap '' PIPE; "$kit/quality.sh" "$corpus" "$(variants_only "$1")" </dev/null) > "$2"; }

# quality.sh scores every media playlist with a video stream; hlsfleet's ladder also has I-frame
# playlists (trick play), which are not variants a viewer watches. Score a symlinked view without them.
variants_only() {
  local view=$1.variants
  rm -rf "$view"; cp -rs "$1" "$view"; find "$view" -name iframes.m3u8 -delete; echo "$view"
}

timed() { # timed OUT_FILE command... -> "wall user sys" of the whole process tree in OUT_FILE
  local out=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$out" "$@"
}

results=$work/results; rm -rf "$results"; mkdir -p "$results"

if [ "$seed" = 1 ]; then
  port=$((18000 + RANDOM % 1000))
  "$kit/origin.sh" start "$corpus" "$port" 4m >&2
  trap '"$kit/origin.sh" stop "$port" >/dev/null 2>&1 || true' EXIT
  for c in "$corpus"/*.mp4; do echo "http://127.0.0.1:$port/$(basename "$c")"; done > "$results/urls.txt"
  echo "running the reference pipeline..." >&2
  timed "$results/seed.time" python3 "$kit/seed_baseline.py" "$results/urls.txt" \
    --download-dir "$results/seed-downloads" --bucket-rsync-dir "$results/seed-bucket" 2>"$results/seed.log"
  "$kit/origin.sh" stop "$port" >/dev/null 2>&1 || true; trap - EXIT
fi

echo "running hlsfleet's encode stage (jobs=$jobs)..." >&2
timed "$results/hlsfleet.time" "$hlsfleet" encode-files --jobs "$jobs" "$results/hlsfleet-bucket" "$corpus"/*.mp4 \
  > "$results/hlsfleet.log"

echo "scoring (SSIM per variant)..." >&2
[ "$seed" = 1 ] && score "$results/seed-bucket" "$results/seed.quality"
score "$results/hlsfleet-bucket" "$results/hlsfleet.quality"

python3 - "$results" "$seed" <<'PY'
import sys, os, collections
res, with_seed = sys.argv[1], sys.argv[2] == "1"
def audio_kbps(video):
    """Rate of the video's default audio rendition (hlsfleet's audio/a0), 0 when audio is muxed."""
    playlist = os.path.join(video, "audio", "a0", "index.m3u8")
    if not os.path.exists(playlist):
        return 0
    size, seconds = 0, 0.0
    for line in open(playlist):
        line = line.strip()
        if line.startswith("#EXTINF:"):
            seconds += float(line[8:].split(",")[0])
        elif line.startswith("#EXT-X-MAP:URI="):
            size += os.path.getsize(os.path.join(os.path.dirname(playlist), line.split('"')[1]))
        elif line and not line.startswith("#"):
            size += os.path.getsize(os.path.join(os.path.dirname(playlist), line))
    return int(size * 8 / 1000 / seconds) if seconds else 0
def load(name):
    wall, user, sys_ = map(float, open(f"{res}/{name}.time").read().split()[-3:])
    rows = [l.split() for l in open(f"{res}/{name}.quality") if l.strip()]
    by = collections.defaultdict(list)
    for _, h, s, k in rows: by[int(h)].append(float(s))
    ssim = sum(float(r[2]) for r in rows) / len(rows)
    # A viewer of a variant fetches its audio too: the reference muxes it into every variant,
    # hlsfleet publishes it once as a rendition, so its rate is added to each of that video's variants.
    kbps = sum(int(r[3]) + audio_kbps(f"{res}/{name}-bucket/{r[0]}") for r in rows) / len(rows)
    per = " / ".join(f"{sum(v)/len(v):.4f}" for h, v in sorted(by.items()))
    return dict(wall=wall, cpu=user + sys_, ssim=ssim, kbps=kbps, per=per, rungs="/".join(str(h) for h in sorted(by)), n=len(rows))
runs = ([("seed_baseline.py", load("seed"))] if with_seed else []) + [("hlsfleet encode stage", load("hlsfleet"))]
print("| pipeline | wall s | CPU s | mean SSIM | SSIM per rung (%s) | mean kbit/s | variants |" % runs[-1][1]["rungs"])
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, r in runs:
    print(f"| {name} | {r['wall']:.0f} | {r['cpu']:.0f} | {r['ssim']:.4f} | {r['per']} | {r['kbps']:.0f} | {r['n']} |")
if with_seed:
    s, h = runs[0][1], runs[1][1]
    print()
    print(f"throughput ratio (seed wall / hlsfleet wall): {s['wall']/h['wall']:.2f}x (target >= 2)")
    print(f"CPU ratio (seed CPU / hlsfleet CPU): {s['cpu']/h['cpu']:.2f}x")
    print(f"SSIM difference (hlsfleet - seed): {h['ssim']-s['ssim']:+.4f} (target >= -0.005)")
    print(f"bitrate ratio (hlsfleet / seed): {h['kbps']/s['kbps']:.3f} (target <= 1)")
PY
