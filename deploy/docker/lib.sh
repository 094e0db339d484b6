# What test-image.sh and test-addon.sh share; sourced by them, from the repository's root, after DOCKER, PYTHON
# and CA_CERT are set.

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%d' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }

# A free TCP port on the address given (default: all).
free_port() {
    "$PYTHON" -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "${1:-}"
}

# The base image to build from: "local" is made here with debootstrap (local-base.sh) when it is not there yet.
base_image() {
    if [ "$1" = local ]; then
        "$ROOT/deploy/docker/local-base.sh" local/debian-python:bookworm >&2
        echo local/debian-python:bookworm
    else
        echo "$1"
    fi
}

# pip's CA bundle as a build secret, where there is one (for proxies that re-sign TLS): "${SECRET[@]}".
SECRET=()
if [ -f "$CA_CERT" ]; then SECRET=(--secret "id=ca,src=$CA_CERT"); fi

# Wait until container $1 logs "Serving on"; fail (with its log) if it exits first.
wait_serving() {
    until "$DOCKER" logs "$1" 2>&1 | grep -q "Serving on"; do
        [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$1")" = true ] || { "$DOCKER" logs "$1"; fail "$1 exited"; }
        sleep 0.2
    done
}
