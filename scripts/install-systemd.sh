#!/usr/bin/env bash
# Installs MlPipeline.Host as a systemd service (Linux). Run as root (or via sudo).
#
#   sudo scripts/install-systemd.sh                 publish to /opt/mlpipeline, create user 'mlpipeline', install
#                                                   /etc/systemd/system/mlpipeline.service, enable and start it
#   scripts/install-systemd.sh --dry-run            print the unit (and the steps) without touching anything
# Options:
#   --prefix DIR          install directory (default /opt/mlpipeline); the configuration is DIR/config/kafka_config.yaml
#   --user NAME           dedicated system user the service runs as (default mlpipeline)
#   --service NAME        unit name (default mlpipeline)
#   --config PATH         configuration to install (default config/kafka_config.yaml); an existing one is kept
#   --dry-run             print instead of installing
#
# The unit uses Type=notify: the host (UseSystemd) tells systemd when it has started and when it is stopping.
# Stop sends SIGTERM; the host drains and commits for up to service.shutdown_timeout_seconds, so TimeoutStopSec is
# that plus a margin: systemd must never SIGKILL a host that is still inside its own, bounded, drain.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=/opt/mlpipeline
user=mlpipeline
service=mlpipeline
config="$here/config/kafka_config.yaml"
dry_run=0
stop_margin_seconds=15

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift ;;
    --user) user="${2:?--user needs a name}"; shift ;;
    --service) service="${2:?--service needs a name}"; shift ;;
    --config) config="${2:?--config needs a path}"; shift ;;
    --dry-run) dry_run=1 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$config" ] || { echo "error: configuration file not found: $config" >&2; exit 2; }

# service.shutdown_timeout_seconds from the YAML (default 30, as ServiceOptions): the one value the unit depends on.
shutdown_timeout=$(awk '
  /^[^[:space:]#][^:]*:/ { section = $1 }
  section == "service:" && $1 == "shutdown_timeout_seconds:" { print $2; exit }
' "$config")
shutdown_timeout="${shutdown_timeout:-30}"
case "$shutdown_timeout" in ''|*[!0-9]*) echo "error: service.shutdown_timeout_seconds '$shutdown_timeout' in $config is not a whole number" >&2; exit 2 ;; esac
timeout_stop=$((shutdown_timeout + stop_margin_seconds))

unit() {
  cat <<UNIT
[Unit]
Description=MlPipeline - Kafka-native ML pipeline host
Documentation=file://$prefix/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
User=$user
Group=$user
WorkingDirectory=$prefix
ExecStart=$prefix/MlPipeline.Host serve --config $prefix/config/kafka_config.yaml
Environment=DOTNET_CLI_TELEMETRY_OPTOUT=1
Restart=on-failure
RestartSec=5
# SIGTERM starts the host's graceful drain (service.shutdown_timeout_seconds = ${shutdown_timeout}); the margin covers process exit.
KillSignal=SIGTERM
TimeoutStopSec=${timeout_stop}
# Exit code 2 is a configuration error: restarting cannot fix it.
RestartPreventExitStatus=2
NoNewPrivileges=true
ProtectSystem=full
PrivateTmp=true

[Install]
WantedBy=multi-user.target
UNIT
}

unit_path="/etc/systemd/system/$service.service"
if [ "$dry_run" -eq 1 ]; then
  echo "# dry run: would publish MlPipeline.Host to $prefix, create system user '$user', write $unit_path:"
  unit
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "error: run as root (sudo $0 $*), or use --dry-run" >&2; exit 1; }
command -v systemctl >/dev/null || { echo "error: systemctl not found; this script is for systemd hosts" >&2; exit 1; }

echo "==> Publishing MlPipeline.Host to $prefix"
dotnet publish "$here/MlPipeline.Host" -c Release -o "$prefix" -nologo -v quiet
if [ ! -f "$prefix/config/kafka_config.yaml" ]; then
  install -D -m 0640 "$config" "$prefix/config/kafka_config.yaml"
else
  echo "    keeping the existing $prefix/config/kafka_config.yaml"
fi
cp -f "$here/README.md" "$prefix/README.md"

if ! id "$user" >/dev/null 2>&1; then
  echo "==> Creating system user $user"
  useradd --system --home-dir "$prefix" --shell /usr/sbin/nologin "$user"
fi
# The service writes its embedded broker's data (broker.data_dir, relative to WorkingDirectory) and models here.
mkdir -p "$prefix/data"
chown -R "$user:$user" "$prefix/data" "$prefix/config"

echo "==> Installing $unit_path"
unit > "$unit_path"
systemctl daemon-reload
systemctl enable --now "$service"
systemctl --no-pager status "$service" || true
echo "Logs: journalctl -u $service -f    Stop: systemctl stop $service    Health: curl http://localhost:8000/health"
