#!/usr/bin/env bash
# Benchmark of chunked encoding: one long video, side by side in one run,
#   a   published by a fleet with one encode worker (1 slot, 1 thread), chunking off
#   b   the same fleet with two encode workers (1 slot, 1 thread each), chunking on
#   c0  `hlsfleet run` alone, chunking off (today's embedded run)
#   c   `hlsfleet run` alone, chunking on
# The fleets run from the workers' jars (download, encode, upload) on a Redis of their own, with a
# local staging directory and bucket; the source is served from a loopback HTTP origin.
# Prints a Markdown table: wall time, CPU seconds, mean SSIM (all variants and per rung) against
# the source, mean bitrate (audio rendition included, as encode-bench.sh counts it), and the seam
# check: per-segment SSIM of the two segments at each chunk boundary against their neighbours.
#
# Usage: bench/chunk-bench.sh [-d SECONDS] [-H HEIGHT] [-c CHUNK_SECONDS] [-w WORK_DIR] [-r ROWS] [-S]
#   -d  source length in seconds (default 600)      -H  source height, 16:9 (default 1080)
#   -c  HLSFLEET_ENCODE_CHUNK_SECONDS (default 60); the threshold is set below the source length
#   -w  work directory (default bench/work; the source there is reused between runs)
#   -r  rows to run, comma-separated (default a,b,c0,c)
#   -S  score the ladders of the last run again without running the rows
# Any HLSFLEET_ENCODE_* variable set in the environment applies to every row. Needs JDK 25
# (JAVA_HOME), ffmpeg, redis-server and redis-cli, python3, curl.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
secs=600; height=1080; chunk=60; work=$repo/bench/work; rows=a,b,c0,c; encode=1
while getopts "d:H:c:w:r:S" opt; do
  case $opt in
    d) secs=$OPTARG ;; H) height=$OPTARG ;; c) chunk=$OPTARG ;; w) work=$OPTARG ;; r) rows=$OPTARG ;; S) encode=0 ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
  esac
done
(( chunk < secs )) || { echo "-c must be shorter than -d" >&2; exit 2; }
width=$(( (height * 16 / 9 + 1) / 2 * 2 ))
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
mkdir -p "$work"; work=$(cd "$work" && pwd)
for m in producer/target/hlsfleet.jar download-worker/target/download-worker.jar \
         encode-worker/target/encode-worker.jar upload-worker/target/upload-worker.jar; do
  [ -f "$repo/$m" ] || (cd "$repo" && ./mvnw -q -pl producer,download-worker,encode-worker,upload-worker -am \
    package -DskipTests -DskipITs)
done
cli=$repo/producer/target/hlsfleet.jar
# `hlsfleet run` as users run it; its first use extracts the jar and records its start-up cache, untimed.
hlsfleet=$repo/hlsfleet
"$hlsfleet" --version >/dev/null

# The source: the benchmark corpus's generators (moving patterns, fractal zoom, cellular automata,
# bars) in turn, with temporal noise and a hue drift as in make-corpus.sh, so x264 has real work
# everywhere; seven parts, so that content changes do not fall on segment or chunk boundaries.
srcdir=$work/chunk-source; mkdir -p "$srcdir"
source=$srcdir/long-${secs}s-${height}p.mp4
if [ ! -s "$source" ]; then
  echo "making the source: $secs s at ${width}x$height..." >&2
  gens=("testsrc2=s=${width}x$height:r=30" "mandelbrot=s=$((width/2))x$((height/2)):r=30"
        "life=s=$((width/4))x$((height/4)):mold=10:r=30:ratio=0.1:death_color=#C83232:life_color=#00ff00"
        "smptehdbars=s=${width}x$height:r=30" "cellauto=s=$((width/4))x$((height/4)):r=30:rule=110"
        "rgbtestsrc=s=${width}x$height:r=30" "testsrc=s=${width}x$height:r=30")
  part=$(python3 -c "print(round($secs / ${#gens[@]}, 3))")
  inputs=(); graph=""
  for i in "${!gens[@]}"; do
    inputs+=(-f lavfi -t "$part" -i "${gens[$i]}")
    graph+="[$i:v]scale=$width:$height:flags=neighbor,setsar=1,fps=30,format=yuv420p[v$i];"
  done
  for i in "${!gens[@]}"; do graph+="[v$i]"; done
  graph+="concat=n=${#gens[@]}:v=1:a=0,noise=alls=12:allf=t,hue=H=t/7[v]"
  nice -n 5 ffmpeg -nostdin -loglevel error -y "${inputs[@]}" -f lavfi -i "sine=frequency=330:sample_rate=48000" \
    -filter_complex "$graph" -map "[v]" -map "${#gens[@]}:a" -t "$secs" -c:v libx264 -preset ultrafast -b:v 8M \
    -c:a aac -b:a 128k "$source.tmp.mp4"
  mv "$source.tmp.mp4" "$source"
fi

results=$work/chunk-results
[ "$encode" = 0 ] || { rm -rf "$results"; mkdir -p "$results"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port=$((19000 + RANDOM % 1000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$srcdir" >"$results/origin.log" 2>&1 &
pids+=($!)
url=http://127.0.0.1:$port/$(basename "$source")

chunk_env=(HLSFLEET_ENCODE_CHUNK_SECONDS="${chunk}s" HLSFLEET_ENCODE_CHUNK_THRESHOLD="$(( secs - 1 ))s")

cpu_ticks() { # user+system of the processes and their waited-for children (ffmpeg), in clock ticks
  local t=0 p
  for p in "$@"; do t=$(( t + $(awk '{print $14+$15+$16+$17}' "/proc/$p/stat") )); done
  echo "$t"
}

dead_letters() { # dead_letters REDIS_PORT: how many jobs the stages gave up on
  local n=0 k
  for k in $(redis-cli -p "$1" --scan --pattern 'hlsfleet:*:dead'); do
    case $(redis-cli -p "$1" type "$k") in
      list) n=$(( n + $(redis-cli -p "$1" llen "$k") )) ;; stream) n=$(( n + $(redis-cli -p "$1" xlen "$k") )) ;;
    esac
  done
  echo "$n"
}

wait_ready() { # wait_ready PORT LOG
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$1/actuator/health/readiness" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "worker on port $1 not ready; see $2" >&2; return 1
}

fleet_row() { # fleet_row NAME ENCODERS CHUNKED
  local name=$1 encoders=$2 chunked=$3 dir=$results/$1 rport hport=$((20000 + RANDOM % 1900)) enc=() all=() i
  mkdir -p "$dir"
  rport=$((22000 + RANDOM % 1000))  # apart from the workers' ports (hport and the next few)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
  local redis=$!
  local env=(HLSFLEET_BROKER=redis HLSFLEET_REDIS_URL="redis://127.0.0.1:$rport" HLSFLEET_STAGING="$dir/staging"
    HLSFLEET_BUCKET="file://$dir/bucket" HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS=127.0.0.0/8 HLSFLEET_SHUTDOWN_GRACE=5s)
  if [ "$chunked" = 1 ]; then env+=(HLSFLEET_ENCODE_CHUNK_ENABLED=true "${chunk_env[@]}"); fi
  start() { # start MODULE PORT [VAR=VALUE...]
    local module=$1 p=$2; shift 2
    env "${env[@]}" HLSFLEET_HTTP_PORT="$p" "$@" nice -n 5 "$java" -jar "$repo/$module/target/$module.jar" \
      >"$dir/$module-$p.log" 2>&1 &
  }
  start download-worker $hport; all+=($!)
  start upload-worker $((hport + 1)); all+=($!)
  for i in $(seq 1 "$encoders"); do
    start encode-worker $((hport + 1 + i)) HLSFLEET_CONCURRENCY=1 HLSFLEET_ENCODE_THREADS=1; enc+=($!); all+=($!)
  done
  pids+=("${all[@]}" "$redis")
  for i in $(seq 0 $(( encoders + 1 ))); do wait_ready $((hport + i)) "$dir"; done
  local before start_ns end_ns
  before=$(cpu_ticks "${enc[@]}")
  env "${env[@]}" nice -n 5 "$java" -jar "$cli" submit "$url" >"$dir/submit.log" 2>&1
  # From the job's being queued (submit prints its id once the broker confirmed it): the CLI's own
  # start-up is not the fleet's time.
  start_ns=$(date +%s%N)
  until compgen -G "$dir/bucket/*/master.m3u8" >/dev/null; do
    sleep 0.5
    if [ "$(dead_letters "$rport")" != 0 ]; then
      echo "row $name: a job was dead-lettered" >&2; env "${env[@]}" "$java" -jar "$cli" dlq list >&2; return 1
    fi
  done
  end_ns=$(date +%s%N)
  echo "$(( (end_ns - start_ns) / 1000000 )) $(( $(cpu_ticks "${enc[@]}") - before )) $(getconf CLK_TCK)" >"$dir/measured"
  kill "${all[@]}" 2>/dev/null || true
  for i in "${all[@]}"; do wait "$i" 2>/dev/null || true; done
  kill "$redis"; wait "$redis" 2>/dev/null || true
}

run_row() { # run_row NAME CHUNKED: the whole `hlsfleet run` process, JVM start-up included
  local name=$1 chunked=$2 dir=$results/$1 env=()
  mkdir -p "$dir"; echo "$source" >"$dir/list.txt"
  # At INFO the run's log holds the encode stage's line naming where the chunks start.
  if [ "$chunked" = 1 ]; then env+=(HLSFLEET_ENCODE_CHUNK_ENABLED=true HLSFLEET_LOG_LEVEL=INFO "${chunk_env[@]}"); fi
  env "${env[@]}" /usr/bin/time -f "%e %U %S" -o "$dir/time" nice -n 5 "$hlsfleet" run \
    --out "$dir/bucket" --staging "$dir/staging" "$dir/list.txt" >"$dir/run.log" 2>&1
  read -r wall user sys <"$dir/time"
  python3 -c "print(round($wall*1000), round(($user+$sys)*100), 100)" >"$dir/measured"
}

IFS=, read -ra wanted <<<"$rows"
[ "$encode" = 0 ] || echo "source: $source ($secs s, ${width}x$height), chunks of $chunk s, load: $(cut -d' ' -f1-3 /proc/loadavg)" \
  | tee "$results/about" >&2
for r in "${wanted[@]}"; do
  [ "$encode" = 1 ] || break
  echo "row $r (load $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
  load=$(cut -d' ' -f1 /proc/loadavg)
  case $r in
    a) fleet_row a 1 0 ;; b) fleet_row b 2 1 ;; c0) run_row c0 0 ;; c) run_row c 1 ;;
    *) echo "unknown row $r" >&2; exit 2 ;;
  esac
  echo "$load $(cut -d' ' -f1 /proc/loadavg)" >"$results/$r/load"
done
[ "$encode" = 0 ] || echo "after the rows, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/about" >&2

# Scoring: every variant playlist (I-frame playlists and audio left out) against the source scaled
# to the variant's size, one SSIM value per frame, grouped by segment. A ladder whose segments are
# byte for byte those of one already scored takes that one's scores.
echo "scoring..." >&2
score_ladder() { # score_ladder LADDER_DIR OUT_DIR
  local pl w h
  mkdir -p "$2"
  find "$1" -name '*.m3u8' ! -name master.m3u8 ! -name iframes.m3u8 | sort | while read -r pl; do
    # awk reads all of ffprobe's lines (one per program of a TS segment): no SIGPIPE under pipefail.
    size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$pl" </dev/null \
      | awk 'NR == 1')
    [ -n "$size" ] || continue
    w=${size%x*}; h=${size#*x}
    echo "$pl" >"$2/$h.playlist"
    # Frames are paired by their order, not their timestamps, so that a timestamp error at a chunk
    # boundary (measured apart below) does not pair the wrong pictures.
    nice -n 5 ffmpeg -nostdin -v error -i "$pl" -i "$source" -lavfi \
      "[0:v]setpts=N/TB/30[d];[1:v]scale=$w:$h:flags=bicubic,setpts=N/TB/30[r];[d][r]ssim=stats_file=$2/$h.ssim" \
      -f null - </dev/null
    # First video timestamp of every segment.
    grep -v '^#' "$pl" | while read -r seg; do
      ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 "$(dirname "$pl")/$seg" \
        </dev/null | awk 'NR == 1'
    done >"$2/$h.starts"
  done
}
declare -A scored=()
for r in "${wanted[@]}"; do
  rm -rf "$results/$r/scores" "$results/$r/same-as"
  ladder=$(dirname "$(compgen -G "$results/$r/bucket/*/master.m3u8" | head -1)")
  ladder=$(dirname "$(find "$ladder" -mindepth 2 -name master.m3u8 | head -1)")
  echo "$ladder" >"$results/$r/ladder"
  sum=$(cd "$ladder" && find . -name '*.ts' | sort | xargs md5sum | md5sum | cut -d' ' -f1)
  if [ -n "${scored[$sum]:-}" ]; then
    echo "row $r: segments identical to row ${scored[$sum]}'s" >&2
    ln -s "$results/${scored[$sum]}/scores" "$results/$r/scores"; echo "${scored[$sum]}" >"$results/$r/same-as"
  else
    score_ladder "$ladder" "$results/$r/scores"; scored[$sum]=$r
  fi
done

python3 - "$results" "$rows" <<'PY'
import sys, os, re, glob
res, rows = sys.argv[1], sys.argv[2].split(",")
names = {"a": "fleet, 1 encode worker (1 thread), not chunked",
         "b": "fleet, 2 encode workers (1 thread each), chunked",
         "c0": "`hlsfleet run`, not chunked (today)",
         "c": "`hlsfleet run`, chunked"}

def playlist(pl):
    """(segment durations, bytes of the segments) of a media playlist."""
    durs, size, d = [], 0, os.path.dirname(pl)
    for line in open(pl):
        line = line.strip()
        if line.startswith("#EXTINF:"):
            durs.append(float(line[8:].split(",")[0]))
        elif line.startswith("#EXT-X-MAP:URI="):
            size += os.path.getsize(os.path.join(d, line.split('"')[1]))
        elif line and not line.startswith("#"):
            size += os.path.getsize(os.path.join(d, line))
    return durs, size

def audio_kbps(ladder):
    pl = os.path.join(ladder, "audio", "a0", "index.m3u8")
    if not os.path.exists(pl):
        return 0
    durs, size = playlist(pl)
    return size * 8 / 1000 / sum(durs)

def rung(scores, height):
    pl = open(f"{scores}/{height}.playlist").read().strip()
    frames = [float(re.search(r"All:([0-9.]+)", l).group(1)) for l in open(f"{scores}/{height}.ssim") if "All:" in l]
    durs, size = playlist(pl)
    # Frames per segment from the playlist's durations (constant frame rate).
    fps = len(frames) / sum(durs)
    per_seg, start = [], 0.0
    for d in durs:
        a, b = round(start * fps), round((start + d) * fps)
        per_seg.append(sum(frames[a:b]) / max(1, b - a))
        start += d
    starts = [float(l) for l in open(f"{scores}/{height}.starts") if l.strip()]
    # How far each segment's first timestamp is from where the previous segment ends.
    steps = [starts[i] - starts[i - 1] - durs[i - 1] for i in range(1, len(starts))]
    return dict(ssim=sum(frames) / len(frames), kbps=size * 8 / 1000 / sum(durs), segs=per_seg,
                steps=steps, frames=len(frames))

data = {}
for r in rows:
    d = f"{res}/{r}"
    wall_ms, ticks, hz = map(float, open(f"{d}/measured").read().split())
    ladder = open(f"{d}/ladder").read().strip()
    scores = os.path.realpath(f"{d}/scores")
    rungs = {int(os.path.basename(p)[:-9]): rung(scores, int(os.path.basename(p)[:-9]))
             for p in glob.glob(f"{scores}/*.playlist")}
    audio = audio_kbps(ladder)
    ssim = sum(x["ssim"] for x in rungs.values()) / len(rungs)
    kbps = sum(x["kbps"] + audio for x in rungs.values()) / len(rungs)
    load = open(f"{d}/load").read().split() if os.path.exists(f"{d}/load") else ["?", "?"]
    data[r] = dict(wall=wall_ms / 1000, cpu=ticks / hz, ssim=ssim, kbps=kbps, rungs=rungs, load=" → ".join(load))

def chunk_starts():
    """The segments that start a chunk (the first excepted), from the line the encode stage logs
    when it splits the video (the same plan in every chunked row)."""
    for log in sorted(glob.glob(f"{res}/*/encode-worker-*.log") + glob.glob(f"{res}/*/run.log")):
        for line in open(log, errors="replace"):
            m = re.search(r"chunks start at segments ([0-9, ]+)", line)
            if m:
                return [int(s) for s in m.group(1).split(",")][1:]
    return []

starts = chunk_starts()

def seams(rungs):
    """Per chunk boundary and rung: the lower SSIM of the two segments that meet there, minus the
    mean of the segments on either side of that pair. Returns the worst (lowest) value."""
    worst = None
    for x in rungs.values():
        for b in starts:
            if b - 2 < 0 or b + 1 >= len(x["segs"]):
                continue
            v = min(x["segs"][b - 1], x["segs"][b]) - (x["segs"][b - 2] + x["segs"][b + 1]) / 2
            worst = v if worst is None else min(worst, v)
    return worst

heights = sorted(next(iter(data.values()))["rungs"])
print(f"| row | wall s | CPU s | mean SSIM | SSIM {' / '.join(map(str, heights))} | mean kbit/s | worst seam "
      "| worst timestamp step ms | load at start → end |")
print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
for r in rows:
    x = data[r]
    per = " / ".join(f"{x['rungs'][h]['ssim']:.4f}" for h in heights)
    s = seams(x["rungs"])
    print(f"| {r}: {names[r]} | {x['wall']:.0f} | {x['cpu']:.0f} | {x['ssim']:.4f} | {per} | {x['kbps']:.0f} | "
          f"{'—' if s is None else f'{s:+.4f}'} | {max((v for h in heights for v in x['rungs'][h]['steps']), key=abs) * 1000:+.1f} | {x['load']} |")
print()
print("worst seam: at each chunk boundary, the lower per-segment SSIM of the two segments meeting there minus")
print("the mean of their outer neighbours (the same positions in an unchunked ladder are its control).")
print("worst timestamp step: the largest distance, over every rung, between a segment's first video timestamp")
print("and the end of the segment before it (0 when timestamps run on without a gap or an overlap).")
def ratio(x, y, what):
    if x in data and y in data:
        print(f"{what}: {data[x]['wall'] / data[y]['wall']:.2f}x wall, {data[x]['cpu'] / data[y]['cpu']:.2f}x CPU")
def parts(row):
    """Encode jobs of a fleet row from its encode workers' logs: (name, start, end) in seconds."""
    from datetime import datetime
    jobs = []
    for log in sorted(glob.glob(f"{res}/{row}/encode-worker-*.log")):
        started = None
        for line in open(log):
            m = re.match(r"(\S+Z) .*StageWorker\s+: encode (started|succeeded|split into \d+ parts|part \d+ of \d+ done)", line)
            if not m:
                continue
            t = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
            if m.group(2) == "started":
                started = t
            elif started is not None:
                jobs.append((m.group(2), started, t)); started = None
    return jobs
if "b" in data and glob.glob(f"{res}/b/encode-worker-*.log"):
    jobs = parts("b")
    split = [j for j in jobs if j[0].startswith("split")]
    work = [j for j in jobs if not j[0].startswith("split")]
    if split and work:
        first, last = min(j[1] for j in jobs), max(j[2] for j in jobs)
        longest = max(j[2] - j[1] for j in work)
        outside = data["b"]["wall"] - (last - first)
        print()
        print(f"row b: split {split[0][2] - split[0][1]:.1f} s; {len(work)} parts of "
              + ", ".join(f"{j[2] - j[1]:.1f}" for j in sorted(work, key=lambda j: j[1])) + " s (wall each, in start order); "
              f"outside the encode stage (download, queues, upload) {outside:.1f} s")
        print(f"on paper, one part per worker at this load (>= {len(work)} workers): "
              f"{outside:.1f} + {split[0][2] - split[0][1]:.1f} + {longest:.1f} = "
              f"{outside + split[0][2] - split[0][1] + longest:.0f} s")
print()
ratio("b", "a", "b / a (target wall <= 0.55)")
ratio("c", "c0", "c / c0 (target wall <= 0.6)")
for x, y in (("b", "a"), ("c", "c0")):
    if x in data and y in data:
        print(f"{x} - {y}: SSIM {data[x]['ssim'] - data[y]['ssim']:+.4f} (bound 0.002), "
              f"bitrate {data[x]['kbps'] / data[y]['kbps'] - 1:+.2%} (bound 2 %)")
        for h in heights:
            u, v = data[y]["rungs"][h]["segs"], data[x]["rungs"][h]["segs"]
            diff = [b - a for a, b in zip(u, v)]
            edges = {i for b in starts for i in (b - 1, b)}
            edge = [diff[i] for i in range(len(diff)) if i in edges]
            inner = [diff[i] for i in range(len(diff)) if i not in edges]
            if edge and inner:
                print(f"  {h}p per-segment SSIM {x} - {y}: at chunk edges mean {sum(edge)/len(edge):+.4f} "
                      f"(min {min(edge):+.4f}), inside chunks mean {sum(inner)/len(inner):+.4f}")
PY
