# Shared by the labs (source it from a lab after setting lab_group): the environment they read,
# their clean-up on exit, step / fail / until_ok, azlb status fields and packet captures.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default $lab_group), LAB_WORK (scratch dir, default mktemp).
AZLB=${AZLB:-azlb}
inst=()
[[ -n ${AZLB_INSTANCE:-} ]] && inst=(--instance "$AZLB_INSTANCE")
rg=${LAB_GROUP:-$lab_group}
work=${LAB_WORK:-$(mktemp -d /tmp/azlb-lab.XXXXXX)}
mkdir -p "$work"
pids=()                   # processes the lab started (servers in VMs): ended on exit
capture_pids=()           # tcpdumps running (capture): ended by stop_captures or on exit
lab_cleanup() { :; }      # a lab may redefine it for more clean-up
finish() {
  lab_cleanup
  for p in "${pids[@]}" "${capture_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  az group delete -n "$rg" --yes -o none 2>/dev/null || true
}
trap finish EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { echo "LAB FAILED: $*" >&2; exit 1; }
# until_ok DEADLINE_S CMD...: retries CMD every half second until it succeeds or the deadline passes.
until_ok() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}
# field PYTHON-EXPRESSION: evaluates it with s = `azlb status --json`, e.g. field "s['rootAddress']".
field() { "$AZLB" status "${inst[@]}" --json | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
# namespace_of VM: the namespace of a VM (NIC, backend-address or role-instance name).
namespace_of() { field "[v['namespace'] for v in s['vms'] if v['name']=='$1'][0]"; }
# capture NAMESPACE INTERFACE FILE FILTER: tcpdump into FILE in the background until stop_captures
# (packets are written as they come, so the file is complete when it stops).
capture() {
  ip netns exec "$1" timeout 120 tcpdump --immediate-mode -U -ni "$2" -w "$3" "$4" 2>"$3.err" &
  capture_pids+=($!)
  until_ok 5 grep -q 'listening on' "$3.err" || fail "tcpdump did not start on $2 in $1"
}
stop_captures() {
  kill -INT "${capture_pids[@]}" 2>/dev/null || true
  wait "${capture_pids[@]}" 2>/dev/null || true
  capture_pids=()
}
# count FILE FILTER: how many packets of a capture match FILTER.
count() { tcpdump -nr "$1" "$2" 2>/dev/null | wc -l; }
