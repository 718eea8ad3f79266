#!/usr/bin/env bash
# Download benchmark: 1, 10, 100 and 500 concurrent downloads of a 2 MiB file from a loopback
# nginx origin that caps every connection at 256 KiB/s. Each level runs in a JVM of its own, so the
# peak RSS (VmHWM) printed is that of the downloading worker alone.
# Usage: bench/download-bench.sh [LEVELS...]      (default: 1 10 100 500)
# Needs nginx (Debian: apt-get install -y nginx) and JDK 25 (JAVA_HOME).
# Env: BENCH_PORT (18091), BENCH_RATE (256k), BENCH_SIZE_MIB (2), BENCH_JVM_OPTS (-Xmx256m -XX:+UseSerialGC),
#      BENCH_DEBUG=1 prints each download's start offset (ms) and duration (s) to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then levels=("$@"); else levels=(1 10 100 500); fi
port=${BENCH_PORT:-18091}; rate=${BENCH_RATE:-256k}; size=${BENCH_SIZE_MIB:-2}
jvm_opts=${BENCH_JVM_OPTS:--Xmx256m -XX:+UseSerialGC}
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }

work=$(mktemp -d); trap 'kill "$(cat "$work/nginx.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/scratch"
head -c $((size * 1024 * 1024)) /dev/urandom > "$work/www/clip.bin"
head -c 65536 /dev/urandom > "$work/www/warm.bin"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off; sendfile on;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$port backlog=4096; root $work/www; location / { limit_rate $rate; } }
}
CONF
nginx -c "$work/nginx.conf"

# One reactor run, so the classpath points at common's freshly compiled classes.
./mvnw -q -pl common,download-worker -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test
cp="download-worker/target/test-classes:download-worker/target/classes:$(cat "$work/cp.txt")"

echo "| concurrent | wall s | aggregate MiB/s | peak RSS MiB |"
echo "|---:|---:|---:|---:|"
for n in "${levels[@]}"; do
  # shellcheck disable=SC2086
  "${JAVA_HOME:-/usr}/bin/java" $jvm_opts -cp "$cp" io.hlsfleet.download.DownloadBench \
    "http://127.0.0.1:$port/clip.bin" "$n" "$work/scratch"
done
