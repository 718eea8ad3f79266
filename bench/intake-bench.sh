#!/usr/bin/env bash
# Intake benchmark: `hlsfleet submit` of a list of N URLs (default 100,000) against the local
# RabbitMQ (a virtual host of its own, deleted afterwards) and against a Redis of its own, each
# with and without the job status store. The time is the whole command, JVM start-up included.
# After each run it checks that the queue holds exactly N messages and that N job ids were printed.
# Given CLI jars (say, of two releases), it runs each of them in turn on every row, side by side.
# Usage: bench/intake-bench.sh [N [JAR...]]   Needs JDK 25 (JAVA_HOME), redis-server, curl, a local
# RabbitMQ with its management plugin (RABBITMQ_MANAGEMENT, default http://localhost:15672, guest/guest).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
shift || true
jars=("$@")
if [ ${#jars[@]} -eq 0 ]; then
  [ -f producer/target/hlsfleet.jar ] || ./mvnw -q -pl producer -am package -DskipTests
  jars=(producer/target/hlsfleet.jar)
fi
mgmt=${RABBITMQ_MANAGEMENT:-http://localhost:15672}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

work=$(mktemp -d)
vhost="hlsfleet-bench-$$"
redis_pids=()
cleanup() {
  curl -fsS -u guest:guest -X DELETE "$mgmt/api/vhosts/$vhost" >/dev/null 2>&1 || true
  for pid in "${redis_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq 1 "$n"); do echo "https://videos.example.org/uploads/clip-$i.mp4"; done > "$work/urls.txt"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_redis() {
  local port; port=$(free_port)
  mkdir -p "$work/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
    --dir "$work/redis-$port" --daemonize no > "$work/redis-$port/log" 2>&1 &
  redis_pids+=($!)
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  echo "$port"
}

curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' "$mgmt/api/vhosts/$vhost" -d '{}' >/dev/null
curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' \
  "$mgmt/api/permissions/$vhost/guest" -d '{"configure":".*","write":".*","read":".*"}' >/dev/null

# run NAME QUEUE_COUNT_COMMAND [VAR=VALUE...]: submits the list with $jar, prints a table row.
run() {
  local name=$1 count=$2; shift 2
  [ ${#jars[@]} -eq 1 ] || name="$name, $(basename "$jar")"
  local start end
  start=$(date +%s.%N)
  env -u HLSFLEET_REDIS_URL -u HLSFLEET_STATUS_REDIS_URL HLSFLEET_BUCKET="file://$work/bucket" "$@" \
    "$java" -jar "$jar" submit "$work/urls.txt" > "$work/ids.txt" 2> "$work/err.txt"
  end=$(date +%s.%N)
  local ids queued seconds
  ids=$(wc -l < "$work/ids.txt"); queued=$(eval "$count"); seconds=$(echo "$end - $start" | bc)
  printf '| %s | %d | %d | %d | %.1f | %.0f |\n' "$name" "$n" "$ids" "$queued" "$seconds" "$(echo "$n / $seconds" | bc -l)"
}

rabbit_depth() {
  # The management API refreshes its counts every few seconds: read until two reads 6 s apart agree.
  local last=-1 now
  for _ in $(seq 1 20); do
    sleep 6
    now=$(curl -fsS -u guest:guest "$mgmt/api/queues/$vhost/hlsfleet.download" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin).get("messages", -1))')
    [ "$now" = "$last" ] && break
    last=$now
  done
  echo "$now"
}
purge_rabbit() { curl -fsS -u guest:guest -X DELETE "$mgmt/api/queues/$vhost/hlsfleet.download/contents" >/dev/null; }

mkdir -p "$work/bucket"
echo "| broker | URLs | job ids printed | messages queued | wall s | URLs/s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
rabbit_env=(HLSFLEET_BROKER=rabbitmq SPRING_RABBITMQ_VIRTUAL_HOST="$vhost")
for jar in "${jars[@]}"; do
  run "RabbitMQ" rabbit_depth "${rabbit_env[@]}"
  purge_rabbit
done
status_port=$(start_redis)
for jar in "${jars[@]}"; do
  run "RabbitMQ, status in Redis" rabbit_depth "${rabbit_env[@]}" HLSFLEET_STATUS_REDIS_URL="redis://127.0.0.1:$status_port"
  purge_rabbit
done
redis_port=$(start_redis)
for jar in "${jars[@]}"; do
  run "Redis (status in the same Redis)" "redis-cli -p $redis_port XLEN hlsfleet:download" \
    HLSFLEET_BROKER=redis HLSFLEET_REDIS_URL="redis://127.0.0.1:$redis_port"
  redis-cli -p "$redis_port" DEL hlsfleet:download >/dev/null
done
