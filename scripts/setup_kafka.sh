#!/usr/bin/env bash
# Prepares Kafka for MlPipeline: starts the docker-compose stack (unless --no-docker), waits until the broker
# answers, creates every configured topic (idempotent: a topic that exists is left as it is, so running this twice
# is fine), proves a produce/consume round trip, and prints what to do next.
#
# Topic creation and the checks go through the host's own command line (MlPipeline.Host topics/health), with the
# same configuration file and environment overrides (KAFKA_BOOTSTRAP_SERVERS, ...) as the service.
#
#   scripts/setup_kafka.sh                      docker compose stack on localhost:9092
#   scripts/setup_kafka.sh --no-docker          a broker that already runs: external Kafka, or the embedded broker
#                                               of a running `MlPipeline.Host serve` (broker.host:broker.port)
# Options: --config PATH (default config/kafka_config.yaml), --wait SECONDS (default 120), -h|--help.
# MLPIPELINE_CLI overrides how the host is run (default: build it once, then `dotnet <its dll>`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
use_docker=1
config="$here/config/kafka_config.yaml"
wait_seconds=120

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --no-docker) use_docker=0 ;;
    --config) [ $# -ge 2 ] || { echo "error: --config needs a path" >&2; exit 2; }; config="$2"; shift ;;
    --wait) [ $# -ge 2 ] || { echo "error: --wait needs seconds" >&2; exit 2; }; wait_seconds="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$wait_seconds" in ''|*[!0-9]*) echo "error: --wait '$wait_seconds' is not a number of seconds" >&2; exit 2 ;; esac
[ -f "$config" ] || { echo "error: configuration file not found: $config" >&2; exit 2; }

# --- How to run the host's command line ---
if [ -n "${MLPIPELINE_CLI:-}" ]; then
  read -r -a cli_command <<< "$MLPIPELINE_CLI"
else
  echo "==> Building MlPipeline.Host"
  dotnet build "$here/MlPipeline.Host" -c Release -nologo -v quiet >/dev/null
  cli_command=(dotnet "$here/MlPipeline.Host/bin/Release/net10.0/MlPipeline.Host.dll")
fi
cli() { "${cli_command[@]}" "$@" --config "$config"; }

# --- The docker-compose stack ---
if [ "$use_docker" -eq 1 ]; then
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
  else
    echo "error: neither 'docker compose' nor 'docker-compose' found. Install Docker, or run with --no-docker against a running broker." >&2
    exit 1
  fi
  echo "==> Starting the Kafka stack (${compose[*]} -f docker-compose.kafka.yml up -d)"
  "${compose[@]}" -f "$here/docker-compose.kafka.yml" up -d
fi

# --- Wait until the broker answers: health exits 1 while unreachable, 0 (healthy) or 3 (topics missing) after ---
echo "==> Waiting up to ${wait_seconds}s for the broker"
deadline=$((SECONDS + wait_seconds))
while :; do
  status=0
  cli health >/dev/null 2>&1 || status=$?
  case "$status" in
    0|3) break ;;
    2) cli health || true; echo "error: the configuration is unusable (see above)" >&2; exit 2 ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    cli health || true
    echo "error: no broker answered within ${wait_seconds}s" >&2
    exit 1
  fi
  sleep 2
done
echo "    broker answers"

# --- Topics: an existing topic is reported and left alone, never an error ---
echo "==> Creating the configured topics"
cli topics create --all

echo "==> Produce/consume round trip"
cli topics roundtrip

echo "==> Final health check"
cli health

cat <<NEXT

Kafka is ready for MlPipeline.
Next:
  1. Point the service at it (config/kafka_config.yaml):   broker: { mode: external }
     kafka.bootstrap_servers (or KAFKA_BOOTSTRAP_SERVERS) must name this broker, e.g. localhost:9092.
  2. Start the service:            dotnet run --project MlPipeline.Host -- serve
  3. Check it:                     curl http://localhost:8000/api/status
  4. Look at the topics:           dotnet run --project MlPipeline.Host -- topics list
$( [ "$use_docker" -eq 1 ] && echo "  UIs: Kafka UI http://localhost:8080, Control Center http://localhost:9021" )
NEXT
