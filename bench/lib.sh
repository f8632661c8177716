# Shared by the data-plane benchmarks (dataplane_bench.sh, outbound_bench.sh): start `azlb serve`
# for one instance in the background and talk to its API. Source it; uses $bin and $work.

# bench_serve INSTANCE PREFIX UNDERLAY [serve flags...]: starts serve (pid in $serve), waits until it
# is ready (port in $port), and creates resource group rg. S and N are the subscription and the
# network provider paths.
bench_serve() {
  local inst=$1 prefix=$2 underlay=$3
  shift 3
  "$bin" serve --port 0 --data-dir "$work" --in-memory --ready-file "$work/ready" --instance "$inst" \
    --public-prefix "$prefix" --underlay "$underlay" --muxes 2 --hosts 2 "$@" >"$work/serve.log" 2>&1 &
  serve=$!
  for _ in $(seq 200); do [ -s "$work/ready" ] && break; sleep 0.05; done
  port=$(cat "$work/ready")
  S=/subscriptions/00000000-0000-0000-0000-000000000001
  N=$S/resourceGroups/rg/providers/Microsoft.Network
  api PUT $S/resourcegroups/rg '{"location":"westus"}' >/dev/null
}

# api METHOD PATH [BODY]: one ARM request to this serve.
api() {
  curl -s --cacert "$work/tls/ca.pem" -H 'Authorization: Bearer b' -H 'Content-Type: application/json' \
    -X "$1" "https://localhost:$port$2?api-version=2022-05-01" ${3:+-d "$3"}
}

# bench_wait_succeeded ID: waits (up to 30 s) until the resource's provisioningState is Succeeded.
bench_wait_succeeded() {
  for _ in $(seq 300); do
    st=$(api GET "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["properties"]["provisioningState"])')
    [ "$st" = Succeeded ] && return 0
    sleep 0.1
  done
}
