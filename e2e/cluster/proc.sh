# Starting, finding and stopping the bed's processes (sourced). Each component has $STATE/<name>.pid; a pid
# counts as ours only while /proc/<pid>/exe is the component's binary, so a recycled pid is never signalled.

proc_pid() { # name binary -> prints the pid when that component is running
  local name=$1 bin=$2 pid
  pid=$(cat "$STATE/$name.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$bin")" ]] || return 1
  echo "$pid"
}

proc_start() { # name binary args...
  local name=$1 bin=$2; shift 2
  mkdir -p "$STATE/logs"
  # setsid: the component outlives the shell that started it (npm, a test runner) and gets no terminal signals.
  # 8>&- 9>&-: the scripts' lock files stay with the scripts; a component holding one would block the next
  # up.sh or down.sh for as long as it runs.
  setsid "$bin" "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$STATE/$name.pid"
  log "started $name (pid $!, log $STATE/logs/$name.log)"
}

proc_stop() { # name binary [grace-seconds]
  local name=$1 bin=$2 grace=${3:-20} pid
  if ! pid=$(proc_pid "$name" "$bin"); then rm -f "$STATE/$name.pid"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) still running after ${grace}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$STATE/$name.pid"
  log "stopped $name"
}

# Wait until `check` succeeds; fail early, with the log's tail, if the component exits.
proc_wait() { # name binary timeout-seconds check...
  local name=$1 bin=$2 timeout=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! proc_pid "$name" "$bin" >/dev/null; then
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "$name exited; see $STATE/logs/$name.log"
    fi
    ((SECONDS < deadline)) || { tail -n 30 "$STATE/logs/$name.log" >&2 || true; die "$name not ready after ${timeout}s"; }
    sleep 0.5
  done
}
