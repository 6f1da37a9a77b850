# Helpers the shell tests share for starting real servers on loopback. Source it after defining
# `tmp` (a scratch folder), `pids` (an array the test's cleanup kills) and `fail` (report, exit 1).
# The functions set globals instead of printing, so they are never called in $(...) and the servers
# they start stay children of the test's shell.

# Prints a loopback port the kernel says is free now (it starts nothing, so $(...) is fine). For
# servers that must be told their port before they start and keep it across restarts; a random
# pick could be another test's port under ctest -j.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs the command every 50 ms until it succeeds; returns 1 once LIMIT seconds of wall clock have
# passed without success. The limit only bounds how long a failing test hangs: it is generous
# because a loaded machine running sanitizer builds in parallel can be many times slower than a
# quiet one, and a passing test never waits for it.
wait_for() {  # limit in seconds, command...
  local limit=$1; shift
  local end=$((SECONDS + limit))
  until "$@"; do
    (( SECONDS < end )) || return 1
    sleep 0.05
  done
}

# Starts a server that needs its port named up front on a free loopback port: PORT in the command
# is replaced by a candidate, tried up to 5 times until GET <ready path> answers. Sets `port`;
# returns 1 when no candidate worked. Output goes to $tmp/NAME.log.
start_on_free_port() {  # name, readiness path, command...
  local name=$1 ready=$2; shift 2
  port=""
  for _ in 1 2 3 4 5; do
    local cand=$(( 20000 + RANDOM % 30000 ))
    "${@//PORT/$cand}" >"$tmp/$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 150); do
      if curl -sf -o /dev/null "http://127.0.0.1:$cand$ready"; then pids+=("$pid"); port=$cand; return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  return 1
}

# Succeeds once a `frugal sched serve` with state in STATE_DIR answers GET URL/v1/health with its
# token (written before it listens; every route needs it). For wait_for.
sched_healthy() {  # state dir, base URL
  [[ -s "$1/token" ]] && curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$1/token")" "$2/v1/health"
}

# Succeeds once `frugal serve`'s stderr, in LOG, names the port its dashboard listens on; sets
# `sport`. For wait_for.
serve_port() {  # log file
  sport=$(sed -n 's|.*dashboard on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1")
  [[ -n "$sport" ]]
}

# Waits for a `frugal agent --listen 127.0.0.1:0` whose stderr goes to LOG to print its port and
# answer /healthz. Sets `port`; fails the test otherwise.
wait_for_agent() {  # log file, what to call it in the failure
  port=""
  agent_up() {
    port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$1")
    [[ -n "$port" ]] && curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"
  }
  wait_for 120 agent_up "$1" || fail "$2 did not start: $(cat "$1")"
}

# The moto_server executable (PATH, then pyenv's shims), or "" when it is not installed. Sets `moto`.
find_moto() {
  moto=$(command -v moto_server || true)
  for c in "${HOME:-/root}/.pyenv/shims/moto_server" /root/.pyenv/shims/moto_server; do
    [[ -z "$moto" && -x "$c" ]] && moto="$c"
  done
  return 0
}
