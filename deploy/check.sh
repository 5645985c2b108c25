#!/bin/sh
# Validates the Prometheus and Alertmanager files under deploy/. Needs
# promtool (apt-get install prometheus) and amtool (apt-get install
# prometheus-alertmanager); without them their checks are skipped, and
# REPMON_REQUIRE_PROMETHEUS=1 makes that a failure.
set -eu

cd "$(dirname "$0")"

need() {
	if command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	if [ "${REPMON_REQUIRE_PROMETHEUS:-}" = 1 ] && [ "$2" = required ]; then
		echo "deploy/check.sh: $1 not found: apt-get install $3" >&2
		exit 1
	fi
	echo "deploy/check.sh: $1 not found, skipping its checks (apt-get install $3)" >&2
	return 1
}

if need promtool required prometheus; then
	promtool check rules prometheus/rules/*.yml
	promtool test rules prometheus/tests/*.yml
	promtool check config prometheus/prometheus.yml
fi

if need amtool required prometheus-alertmanager; then
	amtool check-config alertmanager/alertmanager.yml
fi
