#!/bin/sh
# Refresh the lock files from pyproject.toml: `make lock` (keeps every pin that still fits) or
# `make lock UPGRADE=1` (the newest versions the ranges allow). Needs PyPI; uses uv, installed
# at a pinned version into a throwaway folder (never into .venv).
#   requirements-dev.lock  everything `make test` installs (all extras and the tools)
#   requirements.lock      the bot and the worker (`make install`, the images): postgres, voice and
#                          multilingual
# Both name exact versions with their sha256 and agree on every shared package. torch is left out
# of both: it is installed apart (TORCH_SPEC, the images' torch step) as the CPU or a CUDA build,
# and the locks are resolved against the CPU build, so they carry none of CUDA's libraries.
# Target: CPython 3.11 on x86_64 Linux (the development machines, CI and the images).
set -eu
cd "$(dirname "$0")/.."

UV_VERSION=0.13.10
TOOLS="${TMPDIR:-/tmp}/moodwave-lock-uv-$UV_VERSION"
if [ ! -x "$TOOLS/bin/uv" ]; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet "uv==$UV_VERSION"
fi

set -- --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --no-emit-package torch --custom-compile-command "make lock" --quiet
# Resolved against torch's CPU build (the version TORCH_SPEC installs), whose dependencies carry no
# CUDA libraries: PyPI's torch would bring triton and the nvidia-* wheels into the locks.
TORCH_CPU="$(mktemp)"
trap 'rm -f "$TORCH_CPU"' EXIT
echo "torch==2.13.0+cpu" >"$TORCH_CPU"
set -- "$@" --override "$TORCH_CPU"
if ls /opt/wheels/torch-2.13.0+cpu-cp311-*.whl >/dev/null 2>&1; then
    set -- "$@" --find-links /opt/wheels # the development machines keep the CPU build on disk
else
    set -- "$@" --torch-backend cpu
fi
if [ -n "${UPGRADE:-}" ]; then
    set -- "$@" --upgrade
fi

"$TOOLS/bin/uv" pip compile pyproject.toml --extra dev -o requirements-dev.lock "$@"
# Resolved with the development lock as its preferences: the same version of every shared package.
cp requirements-dev.lock requirements.lock
"$TOOLS/bin/uv" pip compile pyproject.toml --extra postgres --extra voice --extra multilingual -o requirements.lock "$@"
echo "requirements.lock and requirements-dev.lock refreshed; commit both."
