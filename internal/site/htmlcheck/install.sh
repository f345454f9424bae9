#!/bin/sh
# Installs the Nu Html Checker (npm vnu-jar, pinned in package-lock.json;
# it runs on Java), which the catalog's tests run over every page.
# `make deps` runs it; it needs node and npm.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
	echo "install.sh: npm is not installed; install Node.js (20 or later) first" >&2
	exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
