#!/usr/bin/env bash
# A fresh clone's `make run`: wall time from `git clone` to the first /healthz answer, and the CPU
# time the clone and `make run`'s processes used until then (about the wall time of an idle
# machine). The package cache (uv's, pip's) is whatever this machine has: warm after one install.
#
#   bench/fresh_start.sh [SOURCE_REPO] [BRANCH] [APP_PORT] [SANDBOX_PORT]
#
# Clones into a temporary directory, stops `make run` (and its sandbox) once answered, cleans up.
set -u
src=${1:-$(git rev-parse --show-toplevel)}; branch=${2:-$(git rev-parse --abbrev-ref HEAD)}
app=${3:-18600}; sandbox=${4:-18611}
dest=$(mktemp -d)/coursepay
start=$(date +%s.%N)
setsid bash -c "git clone -q --branch '$branch' '$src' '$dest' && cd '$dest' \
  && exec make run APP_PORT=$app SANDBOX_PORT=$sandbox" > "$dest.log" 2>&1 &
root=$!
tree() { echo "$1"; for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$child"; done; }
for _ in $(seq 1 3000); do
  if curl -sf "http://127.0.0.1:$app/healthz" > /dev/null 2>&1; then
    end=$(date +%s.%N)
    ticks=0
    for pid in $(tree $root); do
      used=$(awk '{print $14 + $15 + $16 + $17}' /proc/"$pid"/stat 2>/dev/null)
      ticks=$((ticks + ${used:-0}))
    done
    printf 'first /healthz after %.1f s wall, %.1f s CPU (load %s)\n' \
      "$(echo "$end - $start" | bc)" "$(echo "$ticks / $(getconf CLK_TCK)" | bc -l)" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    break
  fi
  sleep 0.1
done
kill -- -$root 2> /dev/null
wait $root 2> /dev/null
rm -rf "$(dirname "$dest")"
