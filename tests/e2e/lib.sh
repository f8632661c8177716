# shellcheck shell=bash
# Bash helpers shared by the e2e runners: start a real `azlb serve` on a free port with a
# throw-away data dir, wait until it answers, and stop it (by its recorded PID only) on exit.
# Source it; do not run it. Exit code 77 = ctest SKIP_RETURN_CODE (a required tool is missing).

AZLB_SKIP_CODE=77
AZLB_START_TIMEOUT=${AZLB_START_TIMEOUT:-20}

# Traffic stays on loopback even when the environment sets a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

azlb_log() { printf '[e2e] %s\n' "$*" >&2; }

# azlb_alive PID: the process runs (a zombie that has exited but is not yet reaped does not).
azlb_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# azlb_require_cmd CMD [WHY]: exit 77 (skip) with a message when CMD is not available.
azlb_require_cmd() {
  local cmd=$1 why=${2:-}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "SKIP: '$cmd' not found${why:+ ($why)}" >&2
    exit "$AZLB_SKIP_CODE"
  fi
}

# azlb_start BIN [extra serve args...]: starts `BIN serve --port 0` in the background and
# exports AZLB_PORT, AZLB_CA (the server's CA certificate), AZLB_DATA (temp data dir) and
# AZLB_PID. Returns non-zero, with the server log on stderr, when it is not ready in
# $AZLB_START_TIMEOUT seconds or exits early.
azlb_start() {
  local bin=$1
  shift
  if [[ -z $bin || ! -x $bin ]]; then
    azlb_log "azlb binary '$bin' is not an executable file"
    return 1
  fi
  azlb_require_cmd curl "needed to probe /azlb/ready"

  AZLB_DATA=$(mktemp -d "${TMPDIR:-/tmp}/azlb-e2e.XXXXXX") || return 1
  export AZLB_DATA
  local ready_file=$AZLB_DATA/ready-port
  AZLB_LOG=$AZLB_DATA/serve.log
  export AZLB_LOG

  # No data plane unless the caller asks for one (serve refuses a flag given twice).
  local dataplane=(--dataplane off)
  [[ " $* " == *" --dataplane "* ]] && dataplane=()
  "$bin" serve --port 0 --data-dir "$AZLB_DATA/data" --ready-file "$ready_file" "${dataplane[@]}" "$@" \
    >"$AZLB_LOG" 2>&1 &
  AZLB_PID=$!
  export AZLB_PID
  azlb_log "started azlb serve (pid $AZLB_PID, data $AZLB_DATA/data)"

  local deadline=$((SECONDS + AZLB_START_TIMEOUT))
  # 1. The ready file holds the chosen port once the listener is up.
  AZLB_PORT=
  while ((SECONDS < deadline)); do
    if ! azlb_alive "$AZLB_PID"; then
      azlb_log "azlb serve exited before it was ready; its log:"
      cat "$AZLB_LOG" >&2
      AZLB_LOG_SHOWN=1
      return 1
    fi
    if [[ -s $ready_file ]]; then
      AZLB_PORT=$(tr -d '[:space:]' <"$ready_file")
      [[ $AZLB_PORT =~ ^[0-9]+$ ]] && break
      AZLB_PORT=
    fi
    sleep 0.1
  done
  if [[ -z $AZLB_PORT ]]; then
    azlb_log "no port in $ready_file after ${AZLB_START_TIMEOUT}s; azlb log:"
    cat "$AZLB_LOG" >&2
    AZLB_LOG_SHOWN=1
    return 1
  fi
  export AZLB_PORT
  AZLB_CA=$AZLB_DATA/data/tls/ca.pem
  export AZLB_CA

  # 2. Readiness through TLS, which also proves the CA it wrote verifies its certificate.
  local code=
  while ((SECONDS < deadline)); do
    # Re-read in case the first read caught a partly written file.
    AZLB_PORT=$(tr -d '[:space:]' <"$ready_file")
    if [[ -s $AZLB_CA ]]; then
      code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$AZLB_CA" \
        "https://127.0.0.1:$AZLB_PORT/azlb/ready" 2>/dev/null) || code=
      [[ $code == 200 ]] && break
    fi
    azlb_alive "$AZLB_PID" || break
    sleep 0.1
  done
  if [[ $code != 200 ]]; then
    azlb_log "GET https://127.0.0.1:$AZLB_PORT/azlb/ready did not answer 200 (last: '${code}')"
    curl -sS -o /dev/null --max-time 2 --cacert "$AZLB_CA" \
      "https://127.0.0.1:$AZLB_PORT/azlb/ready" 2>&1 | sed 's/^/[e2e] curl: /' >&2
    azlb_log "azlb log:"
    cat "$AZLB_LOG" >&2
    AZLB_LOG_SHOWN=1
    return 1
  fi
  azlb_log "azlb ready on https://127.0.0.1:$AZLB_PORT (CA $AZLB_CA)"
}

# azlb_stop: SIGTERM to the recorded PID, SIGKILL after 10 s, then remove the data dir.
# Safe to call twice and when azlb_start failed half-way.
azlb_stop() {
  if [[ -n ${AZLB_PID:-} ]]; then
    if azlb_alive "$AZLB_PID"; then
      kill -TERM "$AZLB_PID" 2>/dev/null
      local i
      for ((i = 0; i < 100; i++)); do
        azlb_alive "$AZLB_PID" || break
        sleep 0.1
      done
      if azlb_alive "$AZLB_PID"; then
        azlb_log "azlb (pid $AZLB_PID) ignored SIGTERM for 10s; sending SIGKILL"
        kill -KILL "$AZLB_PID" 2>/dev/null
      fi
    fi
    wait "$AZLB_PID" 2>/dev/null
    AZLB_PID=
  fi
  if [[ -n ${AZLB_DATA:-} && -d $AZLB_DATA ]]; then
    if [[ -n ${AZLB_KEEP_DATA:-} ]]; then
      azlb_log "kept $AZLB_DATA (AZLB_KEEP_DATA set)"
    else
      rm -rf -- "$AZLB_DATA"
    fi
    AZLB_DATA=
  fi
}

# Print the server log when a runner fails, then stop. Runners keep their own exit status.
azlb_on_exit() {
  local status=$?
  if ((status != 0 && status != AZLB_SKIP_CODE)) && [[ -z ${AZLB_LOG_SHOWN:-} ]] &&
    [[ -n ${AZLB_LOG:-} && -s ${AZLB_LOG:-} ]]; then
    azlb_log "exit status $status; last lines of the azlb log:"
    tail -n 50 "$AZLB_LOG" >&2
  fi
  azlb_stop
  exit "$status"
}
trap azlb_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# azlb_finish_dataplane BIN INSTANCE STATUS: stops serve, removes what the instance made, fails
# (status 1) when a namespace of it is left, prints ctest's closing line and exits with the status.
azlb_finish_dataplane() {
  local bin=$1 instance=$2 status=$3 left
  azlb_stop
  "$bin" cleanup --instance "$instance" >/dev/null 2>&1 || true
  left=$(ip netns list 2>/dev/null | grep -c "^azlb$instance-" || true)
  [[ $left == 0 ]] || { echo "FAIL: $left namespaces of instance $instance left"; status=1; }
  if [[ $status == 0 ]]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
  exit "$status"
}

# azlb_api METHOD PATH [BODY]: one ARM request to the serve azlb_start started (its CA, any token).
azlb_api() {
  curl -s --cacert "$AZLB_DATA/data/tls/ca.pem" -H 'Authorization: Bearer t' -H 'Content-Type: application/json' \
    -X "$1" "https://localhost:$AZLB_PORT$2?api-version=2024-05-01" ${3:+-d "$3"}
}

# azlb_wait_succeeded ID: waits (up to 30 s) until the resource's provisioningState is Succeeded.
azlb_wait_succeeded() {
  for _ in $(seq 300); do
    [[ $(azlb_api GET "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["properties"]["provisioningState"])' 2>/dev/null) == Succeeded ]] && return 0
    sleep 0.1
  done
  return 1
}
