# Shared by the labs (source it from a lab after setting lab_group): the environment they read,
# their clean-up on exit, and step / fail / until_ok.
# Environment: AZLB (the azlb binary, default: azlb on PATH), AZLB_INSTANCE (serve --instance, if
# not 0), LAB_GROUP (resource group, default $lab_group), LAB_WORK (scratch dir, default mktemp).
AZLB=${AZLB:-azlb}
inst=()
[[ -n ${AZLB_INSTANCE:-} ]] && inst=(--instance "$AZLB_INSTANCE")
rg=${LAB_GROUP:-$lab_group}
work=${LAB_WORK:-$(mktemp -d /tmp/azlb-lab.XXXXXX)}
mkdir -p "$work"
pids=()                   # processes the lab started (servers in VMs): ended on exit
lab_cleanup() { :; }      # a lab may redefine it for more clean-up
finish() {
  lab_cleanup
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
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
