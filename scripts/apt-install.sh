#!/usr/bin/env bash
# Install Debian packages for the Makefile, as root or through sudo; otherwise say what to run.
# usage: scripts/apt-install.sh "what needs them" PACKAGE...
set -u
why=$1; shift
if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "error: $why: run as root: apt-get install -y $*" >&2; exit 1
fi
echo "installing $* ($why)"
"${sudo[@]}" apt-get install -y -q "$@" >/dev/null 2>&1 ||
  { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "$@" >/dev/null; } ||
  { echo "error: could not install $* with apt-get; install them by hand, then re-run make" >&2; exit 1; }
