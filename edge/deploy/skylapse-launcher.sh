#!/bin/sh
# Starts the Skylapse agent from its install's current slot; the systemd unit's ExecStart.
#
# Layout (SKYLAPSE_INSTALL_DIR, default /opt/skylapse): current -> slots/X, previous -> slots/Y,
# each slot holding agent.js and bun (a link into runtimes/SHA256/). An update installs into
# the other slot, writes `trial` (the new version), swaps the links and exits. This script
# then gives the new version one start and SKYLAPSE_UPDATE_TRIAL_SECONDS to confirm itself
# healthy (it deletes `trial` after a poll and a capture). If it exits first, or the time
# runs out, or the launcher itself is restarted mid-trial (a hang the watchdog killed, a
# power cut), the previous slot comes back and `update-failed` says why, for the agent to
# report. None of this depends on the new version working.
set -u
DIR="${SKYLAPSE_INSTALL_DIR:-/opt/skylapse}"
TRIAL_SECONDS="${SKYLAPSE_UPDATE_TRIAL_SECONDS:-300}"
export SKYLAPSE_INSTALL_DIR="$DIR"

swap_link() { # NAME TARGET: atomically point DIR/NAME at TARGET
  ln -sfn "$2" "$DIR/$1.tmp" && mv -T "$DIR/$1.tmp" "$DIR/$1"
}

roll_back() { # REASON
  version=$(cat "$DIR/trial" 2>/dev/null || echo unknown)
  new=$(readlink "$DIR/current")
  old=$(readlink "$DIR/previous")
  swap_link current "$old"
  swap_link previous "$new"
  printf 'version=%s\nreason=%s\n' "$version" "$1" > "$DIR/update-failed.tmp" && mv -f "$DIR/update-failed.tmp" "$DIR/update-failed"
  rm -f "$DIR/trial" "$DIR/trial.started"
  echo "skylapse-launcher: update to $version rolled back: $1" >&2
}

run_current() {
  exec "$DIR/current/bun" "$DIR/current/agent.js"
}

if [ -f "$DIR/trial" ]; then
  if [ -f "$DIR/trial.started" ]; then
    roll_back "the new version stopped (crash, hang or restart) before it confirmed healthy"
    run_current
  fi
  : > "$DIR/trial.started"
  "$DIR/current/bun" "$DIR/current/agent.js" &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT
  deadline=$(( $(date +%s) + TRIAL_SECONDS ))
  while kill -0 "$child" 2>/dev/null; do
    if [ ! -f "$DIR/trial" ]; then
      rm -f "$DIR/trial.started"
      wait "$child"
      exit $?
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      kill -TERM "$child" 2>/dev/null
      i=0
      while kill -0 "$child" 2>/dev/null && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
      kill -KILL "$child" 2>/dev/null
      wait "$child" 2>/dev/null
      roll_back "not healthy (a poll and a capture) within ${TRIAL_SECONDS} s"
      run_current
    fi
    sleep 1
  done
  wait "$child"
  code=$?
  if [ ! -f "$DIR/trial" ]; then
    rm -f "$DIR/trial.started"
    exit "$code"
  fi
  roll_back "exited with code $code before it confirmed healthy"
  run_current
fi
run_current
