#!/bin/sh
# Installs Microsoft's Kusto.Language parser (npm @kusto/language-service-next,
# pinned in package-lock.json) next to check.js, for the KQL backend's tests.
# `make deps` runs it; it needs node and npm.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
	echo "install.sh: npm is not installed; install Node.js (20 or later) first" >&2
	exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
