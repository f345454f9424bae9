#!/bin/sh
# Installs Apache Lucene 8 (Debian's liblucene8-java), which the elastic
# backend's tests use to parse and run the Lucene queries detc emits.
# Idempotent: does nothing when the jars are there. Needs root (or sudo)
# and Java 17 (javac) on the machine.
set -eu
if ls /usr/share/java/lucene-core-8*.jar /usr/share/java/lucene-core.jar >/dev/null 2>&1; then
  exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq liblucene8-java >/dev/null
