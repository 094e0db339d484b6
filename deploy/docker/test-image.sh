#!/usr/bin/env bash
# Build the image from a clean checkout of HEAD and try it as a user would: offline, healthy, speaking through
# its published port, as a non-root user, and stopping on SIGTERM within its grace. Prints the image's size and
# its start-up time. Not part of every CI run (a build takes about a minute with a warm pip, several cold).
#
#   deploy/docker/test-image.sh                  # FROM python:3.12-slim, pulled from Docker Hub
#   BASE=local deploy/docker/test-image.sh       # FROM a Debian bookworm base made here with debootstrap (no registry)
#   ONNXRUNTIME='onnxruntime-gpu[cuda,cudnn]==1.31.1' TAG=wyoming-kokoro:test-gpu deploy/docker/test-image.sh
#                                                # the GPU image: built, and checked to offer the CUDA provider
#
# Needs: a Docker engine with BuildKit (DOCKER_BUILDKIT=1), git, and this checkout's .venv with the test extra
# (Whisper checks the speech). A CA bundle at $CA_CERT (default: the system's) is handed to pip as a build secret,
# for machines behind a proxy that re-signs TLS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DOCKER=${DOCKER:-docker}
TAG=${TAG:-wyoming-kokoro:test}
BASE=${BASE:-python:3.12-slim}
ONNXRUNTIME=${ONNXRUNTIME:-}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
CA_CERT=${CA_CERT:-/etc/ssl/certs/ca-certificates.crt}
TEXT="The kitchen light is on, and the front door is locked."
GRACE=5
export DOCKER_BUILDKIT=1
# shellcheck source=deploy/docker/lib.sh
. deploy/docker/lib.sh

work=$(mktemp -d)
containers=()
cleanup() {
    for name in "${containers[@]}"; do "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true; done
    [ -z "${volume:-}" ] || "$DOCKER" volume rm "$volume" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

BASE=$(base_image "$BASE")

say "Build $TAG from a clean checkout of $(git rev-parse --short HEAD) (FROM $BASE${ONNXRUNTIME:+, $ONNXRUNTIME})"
git archive HEAD | tar -x -C "$work"
started=$(date +%s)
"$DOCKER" build --build-arg "BASE=$BASE" --build-arg "ONNXRUNTIME=$ONNXRUNTIME" "${SECRET[@]}" -t "$TAG" "$work"
echo "built in $(( $(date +%s) - started )) s"
size=$("$DOCKER" image inspect -f '{{.Size}}' "$TAG")
echo "image size: $(( size / 1000000 )) MB"

if [ -n "$ONNXRUNTIME" ]; then
    say "The GPU image's onnxruntime offers the CUDA provider, and its CUDA libraries load"
    "$DOCKER" run --rm --network none --entrypoint /opt/venv/bin/python "$TAG" -c '
import onnxruntime as ort
providers = ort.get_available_providers()
print("onnxruntime", ort.__version__, "providers:", ", ".join(providers))
assert "CUDAExecutionProvider" in providers, "no CUDA provider"
ort.preload_dlls(directory="")  # the CUDA, cuDNN and cuBLAS libraries from the nvidia-* wheels
import re
loaded = sorted({m.group(0) for m in re.finditer(r"lib(?:cudart|cublas|cudnn|cufft|curand)[^ /]*\.so[.0-9]*", open("/proc/self/maps").read())})
print("loaded:", ", ".join(loaded))
assert any("cudnn" in name for name in loaded) and any("cublas" in name for name in loaded), "CUDA libraries missing"
' || fail "the GPU image cannot run on CUDA"
    if "$DOCKER" info 2>/dev/null | grep -qi 'runtimes:.*nvidia'; then
        say "A GPU is here: the server runs on it"
        "$DOCKER" run --rm --gpus all --network none --entrypoint /opt/venv/bin/wyoming-kokoro "$TAG" synth \
            --provider cuda --output /tmp/out.wav "$TEXT"
    else
        echo "no NVIDIA runtime in this Docker engine: the image is not run on a GPU here"
    fi
fi

say "Offline: --network none, no download at start; healthy; speaks; its audio cache on a named volume"
offline=kokoro-offline-$$
volume=kokoro-cache-$$
containers+=("$offline")
started=$(now_ms)
"$DOCKER" run -d --name "$offline" --network none -v "$volume:/var/cache/wyoming-kokoro" \
    -e WYOMING_KOKORO_CACHE_DIR=/var/cache/wyoming-kokoro "$TAG" >/dev/null
wait_serving "$offline"
ready=$(seconds_since "$started")
echo "serving $ready s after docker run"
"$DOCKER" exec -i "$offline" python - --text "$TEXT" < deploy/docker/speak.py > "$work/offline.wav" \
    || fail "no speech from the offline container"
"$PYTHON" deploy/docker/hears.py "$work/offline.wav" --text "$TEXT" || fail "Whisper did not hear the text"
entries=$("$DOCKER" exec "$offline" sh -c 'find /var/cache/wyoming-kokoro -type f | wc -l')
[ "$entries" -gt 0 ] || fail "nothing in the audio cache's volume"
echo "audio cache on the volume: $entries file(s)"
uid=$("$DOCKER" exec "$offline" sh -c 'grep ^Uid: /proc/1/status' | awk '{print $2}')
[ "$uid" != 0 ] || fail "the server runs as root"
echo "the server (PID 1) runs as uid $uid"
health=starting
for _ in $(seq 1 120); do
    health=$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$offline")
    [ "$health" = starting ] || break
    sleep 1
done
[ "$health" = healthy ] || fail "health check: $health"
echo "health check: $health"

say "SIGTERM stops it within the grace time ($GRACE s), exit code 0"
started=$(now_ms)
"$DOCKER" stop -t 30 "$offline" >/dev/null
took_ms=$(( $(now_ms) - started ))
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$offline")
echo "stopped in $(seconds_since "$started") s, exit code $code"
[ "$code" = 0 ] || fail "exit code $code"
[ "$took_ms" -lt $(( (GRACE + 1) * 1000 )) ] || fail "took $took_ms ms to stop"

say "Through the published port"
port=$(free_port 127.0.0.1)
published=kokoro-published-$$
containers+=("$published")
"$DOCKER" run -d --name "$published" -p "127.0.0.1:$port:10200" "$TAG" >/dev/null
wait_serving "$published"
"$PYTHON" deploy/docker/speak.py --uri "tcp://127.0.0.1:$port" --text "$TEXT" > "$work/published.wav" \
    || fail "no speech through the published port"
"$PYTHON" deploy/docker/hears.py "$work/published.wav" --text "$TEXT" || fail "Whisper did not hear the text"

say "All checks passed: $TAG, $(( size / 1000000 )) MB, serving $ready s after docker run"
