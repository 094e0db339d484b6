"""The container image and the Kubernetes manifests: valid, consistent with each other and with the README.

No Docker engine or cluster is needed: the Dockerfile and .dockerignore are parsed here, the manifests are
validated against the Kubernetes API schemas that the ``kubernetes-validate`` package ships (strict mode:
unknown fields are errors), and the cross-references between them are checked with PyYAML.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import re
import shlex
import tomllib

import pytest

from wyoming_kokoro.config import OPTIONS, Settings
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="the test extra installs kubernetes-validate")
from kubernetes_validate import utils as kv_utils  # noqa: E402

from packaging.version import Version  # noqa: E402  (a dependency of kubernetes-validate)

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S = ROOT / "deploy" / "kubernetes"

WYOMING_PORT = 10200
METRICS_PORT = 10201
CONFIG_DIR = "/etc/wyoming-kokoro"
CONFIG_FILE = f"{CONFIG_DIR}/config.yaml"
HEALTH_MODULE = "wyoming_kokoro.health_check"
NAME_LABEL = {"app.kubernetes.io/name": "wyoming-kokoro"}
#: The configuration file's keys (each is also a flag and a WYOMING_KOKORO_* environment variable).
CONFIG_KEYS = {option.key for option in OPTIONS}
DEFAULT_SHUTDOWN_GRACE = 5
#: Kubernetes versions the manifests must validate against: an older supported release and the newest schema
#: kubernetes-validate ships.
OLDEST_K8S = "1.31.0"


# ---------------------------------------------------------------------------------------------------------
# Dockerfile and .dockerignore
# ---------------------------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comment lines dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # a comment inside a continued instruction is dropped too
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, args = pending.strip().partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The instructions split at each FROM (each list starts with its FROM)."""
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions:
        if instruction[0] == "FROM":
            result.append([])
        assert result, f"{instruction[0]} before the first FROM"
        result[-1].append(instruction)
    return result


def exec_form(args: str) -> list[str]:
    """The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD; a shell-form string fails the test."""
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        pytest.fail(f"expected the exec form (a JSON list), got {args!r}")
    assert isinstance(value, list) and all(isinstance(item, str) for item in value), args
    return value


def split_flags(args: str) -> tuple[dict[str, str], str]:
    """``--name=value`` flags at the start of an instruction's arguments, and the rest."""
    flags: dict[str, str] = {}
    rest = args
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.lstrip()
    return flags, rest


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match syntax plus ``**``) as an anchored regular expression."""
    out = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end]
            out += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 1
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, regex) for each rule, in order."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line[1:].strip() if exception else line).lstrip("/")
        rules.append((exception, _pattern_regex(pattern)))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders decides."""
    parts = pathlib.PurePosixPath(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for exception, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            result = not exception
    return result


def global_args(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """The ARGs before the first FROM, with their defaults (what a FROM may name as ``${NAME}``)."""
    defaults = {}
    for keyword, args in instructions:
        if keyword != "ARG":
            break
        name, _, default = args.partition("=")
        defaults[name] = default
    return defaults


@pytest.fixture(scope="module")
def dockerfile() -> list[list[tuple[str, str]]]:
    """The stages, each FROM with the global ARGs' defaults put in (the image a user's plain build gets)."""
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    defaults = global_args(instructions)
    instructions = instructions[len(defaults):]

    def resolve(args: str) -> str:
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], args)

    return stages([(keyword, resolve(args) if keyword == "FROM" else args) for keyword, args in instructions])


@pytest.fixture(scope="module")
def final_stage(dockerfile) -> list[tuple[str, str]]:
    return dockerfile[-1]


def instruction_args(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for instruction, args in stage if instruction == keyword]


def readme_commands() -> list[str]:
    """The README's ```sh blocks, as tests/test_readme.py reads them (the first installs and starts the server)."""
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))


def readme_install() -> tuple[str, set[str]]:
    """The README's first command, and the extras of its ``pip install '.[extras]'``."""
    first = readme_commands()[0]
    match = re.search(r"pip install (?:-e |--editable )?'?\.\[([a-z0-9_,-]+)\]'?", first)
    assert match, f"no `pip install '.[extras]'` in the README's first command: {first}"
    return first, set(match.group(1).split(","))


def test_dockerignore_matcher_follows_docker_rules():
    rules = dockerignore_rules("*\n!pkg/\n**/__pycache__\n!keep/**/x.txt\n")
    assert excluded("README.md", rules)
    assert excluded(".venv/bin/python", rules)
    assert not excluded("pkg", rules)
    assert not excluded("pkg/data/voices/a.bin", rules)
    assert excluded("pkg/__pycache__/m.pyc", rules)
    assert excluded("pkg/sub/__pycache__/m.pyc", rules)
    assert not excluded("keep/a/b/x.txt", rules)
    assert excluded("keep/a/b/y.txt", rules)


def test_every_stage_uses_the_slim_python_base_that_pyproject_allows(dockerfile):
    from packaging.specifiers import SpecifierSet

    requires_python = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    stage_names = set()
    for stage in dockerfile:
        args = stage[0][1].split()
        if len(args) == 3 and args[1].upper() == "AS":
            stage_names.add(args[2])
        image = args[0]
        assert image in stage_names or (image.startswith("python:") and image.endswith("-slim")), image
        if image.startswith("python:"):
            version = image.split(":")[1].split("-")[0]
            assert version == "3.12" and f"{version}.0" in requires_python, image


def test_image_installs_the_package_the_readme_way(dockerfile):
    first, readme_extras = readme_install()
    runs = [args for stage in dockerfile for args in instruction_args(stage, "RUN") if "pip install" in args]
    assert len(runs) == 1, runs
    run = runs[0]
    commands = [shlex.split(part) for part in run.split("&&")]
    assert ["python3", "-m", "venv", "/opt/venv"] in commands, run
    install = next(command for command in commands if command[:2] == ["/opt/venv/bin/pip", "install"])
    targets = [arg for arg in install[2:] if not arg.startswith("-")]
    assert len(targets) == 1, install
    target = re.fullmatch(r"\.\[([a-z0-9_,-]+)\]", targets[0])
    assert target, f"the image installs {targets[0]!r}, not the source folder with extras like the README"
    assert set(target.group(1).split(",")) == readme_extras, f"README: {first}; Dockerfile: {run}"
    assert "-e" not in install and "--editable" not in install, "the image installs the package, not a link to the source"
    assert "--no-cache-dir" in install
    # The README's first command listens on the default address; the image passes no flags, so that the
    # environment or a mounted YAML file can set every option (a flag would win over them).
    readme_uri = re.search(r"--uri (\S+)", first).group(1)
    assert readme_uri == Settings().uri
    assert instruction_args(dockerfile[-1], "CMD") == []


def test_final_image_runs_the_server_as_a_non_root_user(final_stage):
    users = instruction_args(final_stage, "USER")
    assert users, "the final stage sets no USER: the server would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    entrypoint = exec_form(instruction_args(final_stage, "ENTRYPOINT")[-1])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["/opt/venv/bin/wyoming-kokoro"] and "wyoming-kokoro" in scripts
    assert instruction_args(final_stage, "STOPSIGNAL") == ["SIGTERM"]
    assert any(f"{WYOMING_PORT}" in args.split() or f"{WYOMING_PORT}/tcp" in args.split() for args in instruction_args(final_stage, "EXPOSE"))
    envs = " ".join(instruction_args(final_stage, "ENV"))
    assert "PYTHONUNBUFFERED=1" in envs


def test_healthcheck_runs_the_health_check_module(final_stage):
    (healthcheck,) = instruction_args(final_stage, "HEALTHCHECK")
    flags, rest = split_flags(healthcheck)
    assert flags["interval"] == "30s" and flags["timeout"] == "10s" and flags["start-period"] == "60s", flags
    keyword, _, command = rest.partition(" ")
    assert keyword == "CMD"
    argv = exec_form(command)
    assert argv[:3] == ["/opt/venv/bin/python", "-m", HEALTH_MODULE], argv
    assert argv[argv.index("--uri") + 1] == f"tcp://127.0.0.1:{WYOMING_PORT}"
    assert_health_check_accepts(argv[3:])


def assert_health_check_accepts(args: list[str]) -> None:
    """The probe's options exist: the check runs them (at a closed loopback port) and answers 'unhealthy'."""
    from wyoming_kokoro import health_check

    args = list(args)
    args[args.index("--uri") + 1] = "tcp://127.0.0.1:1"
    assert health_check.main(args) == 1  # an unknown option would raise SystemExit(2) instead


def test_everything_the_dockerfile_copies_is_in_the_build_context(dockerfile):
    rules = dockerignore_rules(DOCKERIGNORE.read_text(encoding="utf-8"))
    stage_names = {stage[0][1].split()[-1] for stage in dockerfile if " AS " in stage[0][1].upper()}
    sources = []
    for stage in dockerfile:
        for args in instruction_args(stage, "COPY") + instruction_args(stage, "ADD"):
            flags, rest = split_flags(args)
            if "from" in flags:
                assert flags["from"] in stage_names, f"COPY --from={flags['from']}: no such stage"
                continue
            paths = exec_form(rest) if rest.startswith("[") else rest.split()
            sources += paths[:-1]
    assert {"pyproject.toml", "README.md", "wyoming_kokoro"} <= {source.rstrip("/") for source in sources}
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"the Dockerfile copies {source}, which is not in the repository"
        assert not excluded(source.rstrip("/"), rules), f".dockerignore leaves {source} out of the build context"
        if path.is_dir():
            for file in path.rglob("*"):
                relative = file.relative_to(ROOT).as_posix()
                if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                    assert not excluded(relative, rules), f".dockerignore leaves {relative} out"
    # The package data pyproject.toml names is in the context, and local clutter is not.
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package, globs in package_data.items():
        for pattern in globs:
            matches = list((ROOT / package).glob(pattern))
            assert matches, f"package data {package}/{pattern} matches no file"
            assert not any(excluded(m.relative_to(ROOT).as_posix(), rules) for m in matches)
    for clutter in (".venv/bin/python", ".git/HEAD", "tests/test_deploy.py", "wyoming_kokoro.egg-info/PKG-INFO",
                    "wyoming_kokoro/__pycache__/__init__.cpython-312.pyc", ".pytest_cache/README.md"):
        assert excluded(clutter, rules), f"{clutter} would be sent to the Docker daemon"


# ---------------------------------------------------------------------------------------------------------
# Kubernetes manifests
# ---------------------------------------------------------------------------------------------------------


def load_manifests() -> dict[str, dict]:
    """Every resource of deploy/kubernetes by kind (one resource of each kind)."""
    resources: dict[str, dict] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                assert document["kind"] not in resources, f"two {document['kind']}s"
                resources[document["kind"]] = document
    return resources


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    return load_manifests()


@pytest.fixture(scope="module")
def pod(manifests) -> dict:
    return manifests["Deployment"]["spec"]["template"]["spec"]


@pytest.fixture(scope="module")
def container(pod) -> dict:
    (container,) = pod["containers"]
    return container


@pytest.fixture(scope="module")
def server_config(manifests) -> dict:
    return yaml.safe_load(manifests["ConfigMap"]["data"]["config.yaml"])


def container_port(container: dict, name_or_number) -> dict:
    for port in container["ports"]:
        if name_or_number in (port["name"], port["containerPort"]):
            return port
    pytest.fail(f"the container has no port {name_or_number!r}")


def port_of(uri: str) -> int:
    match = re.fullmatch(r"tcp://[^:/]+:(\d+)", uri)
    assert match, uri
    return int(match.group(1))


def test_kubernetes_validate_ships_the_schemas_used():
    versions = kv_utils.all_versions()
    assert OLDEST_K8S in versions and Version(kv_utils.latest_version()) >= Version(OLDEST_K8S), versions
    # Strict mode is really strict: a misspelt field fails.
    deployment = copy.deepcopy(load_manifests()["Deployment"])
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kv_utils.ValidationError):
        kv_utils.validate(deployment, kv_utils.latest_version(), strict=True)


@pytest.mark.parametrize("version", [OLDEST_K8S, "latest"])
def test_manifests_validate_against_the_kubernetes_schemas(manifests, version):
    version = kv_utils.latest_version() if version == "latest" else version
    kinds = set()
    for kind, resource in manifests.items():
        if kind == "Kustomization":  # kustomize's own file, not an API resource
            continue
        try:
            kv_utils.validate(resource, version, strict=True)
        except kv_utils.ValidationError as err:
            pytest.fail(f"{kind} at {'.'.join(map(str, err.path))}: {err.message} (Kubernetes {version})")
        kinds.add(kind)
    assert kinds == {"ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler"}


def test_kustomization_lists_every_manifest_and_all_share_the_labels(manifests):
    kustomization = manifests["Kustomization"]
    others = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(others)
    assert "namespace" not in kustomization
    for kind, resource in manifests.items():
        if kind == "Kustomization":
            continue
        assert "namespace" not in resource["metadata"], f"{kind} names a namespace"
        assert resource["metadata"]["name"] == "wyoming-kokoro"
        assert NAME_LABEL.items() <= resource["metadata"]["labels"].items(), kind


def test_deployment_runs_the_image_with_the_configmap_mounted(manifests, pod, container, server_config):
    deployment, configmap = manifests["Deployment"], manifests["ConfigMap"]
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert NAME_LABEL.items() <= deployment["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert container["image"] == f"wyoming-kokoro:{version}"
    # The ConfigMap is mounted where the server reads its file, and the args point at it.
    mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (config_volume,) = [v for v in volumes.values() if v.get("configMap", {}).get("name") == configmap["metadata"]["name"]]
    assert mounts[config_volume["name"]]["mountPath"] == CONFIG_DIR
    assert container["args"] == ["--config", CONFIG_FILE]
    assert pathlib.PurePosixPath(CONFIG_FILE).name in configmap["data"]
    # The file's keys are the server's options, and its ports are the container's.
    assert set(server_config) <= CONFIG_KEYS, set(server_config) - CONFIG_KEYS
    assert port_of(server_config["uri"]) == container_port(container, "wyoming")["containerPort"] == WYOMING_PORT
    assert server_config["metrics_port"] == container_port(container, "metrics")["containerPort"] == METRICS_PORT
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/port", str(METRICS_PORT)) == str(METRICS_PORT)
    assert server_config["log_format"] == "json"
    assert server_config.get("zeroconf", False) is False, "mDNS does not reach Home Assistant from a pod"


def test_no_environment_variable_the_server_would_refuse(pod, container, final_stage):
    """Every WYOMING_KOKORO_* variable is read as an option, so the pod and the image set none but known ones,
    and Kubernetes' service links (WYOMING_KOKORO_SERVICE_HOST, WYOMING_KOKORO_PORT, ... for the Service named
    wyoming-kokoro) are off."""
    assert pod.get("enableServiceLinks") is False
    known = {"WYOMING_KOKORO_CONFIG"} | {f"WYOMING_KOKORO_{key.upper()}" for key in CONFIG_KEYS}
    names = {variable["name"] for variable in container.get("env", [])}
    for args in instruction_args(final_stage, "ENV"):
        names |= {item.split("=", 1)[0] for item in shlex.split(args)}
    assert {name for name in names if name.startswith("WYOMING_KOKORO_")} <= known, names


def test_the_server_accepts_the_configmap(tmp_path, server_config):
    """The server's own loader reads the ConfigMap's file (skipped where the config module is not there)."""
    config = pytest.importorskip("wyoming_kokoro.config")
    path = tmp_path / "config.yaml"
    path.write_text(load_manifests()["ConfigMap"]["data"]["config.yaml"], encoding="utf-8")
    settings = config.load(flags={}, environ={}, config_file=path)
    for key in ("uri", "voice", "parallel_inferences", "intra_op_threads", "metrics_port", "log_format"):
        assert getattr(settings, key) == server_config[key], key
    assert settings.shutdown_grace == server_config["shutdown_grace"]
    assert settings.zeroconf is None
    assert set(settings.language_voices.values()) == set(server_config["language_voices"].values())


def test_probes_run_the_health_check_module(container):
    wyoming = container_port(container, "wyoming")["containerPort"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        command = container[probe]["exec"]["command"]
        assert command[:3] == ["/opt/venv/bin/python", "-m", HEALTH_MODULE], (probe, command)
        assert command[command.index("--uri") + 1] == f"tcp://127.0.0.1:{wyoming}", probe
        timeout = float(command[command.index("--timeout") + 1]) if "--timeout" in command else 5
        assert timeout < container[probe]["timeoutSeconds"], f"{probe}: the check must give up before the kubelet does"
        assert_health_check_accepts(command[3:])
    readiness, liveness, startup = (container[p] for p in ("readinessProbe", "livenessProbe", "startupProbe"))
    assert readiness["periodSeconds"] == 10
    # Liveness is more lenient than readiness; start-up allows about 2 minutes for loading the model.
    window = lambda probe: probe["periodSeconds"] * probe.get("failureThreshold", 3)  # noqa: E731
    assert window(liveness) > window(readiness)
    assert window(startup) >= 120


def test_shutdown_outlasts_the_server_grace(pod, container, server_config):
    grace = float(server_config.get("shutdown_grace", DEFAULT_SHUTDOWN_GRACE))
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert 0 < int(pre_stop[1]) <= 10
    assert pod["terminationGracePeriodSeconds"] > int(pre_stop[1]) + grace


def test_resources_fit_the_benchmark_and_the_pod_is_locked_down(pod, container, server_config, final_stage):
    resources = container["resources"]
    assert resources["requests"] == {"cpu": "2", "memory": "1Gi"}
    assert resources["limits"]["memory"] == "1536Mi"
    assert resources["limits"].get("cpu", "2") == "2", "a CPU limit below the request throttles inference"
    # onnxruntime's threads match the CPUs requested (its default is every core of the node).
    assert server_config.get("intra_op_threads") == int(resources["requests"]["cpu"])
    assert server_config.get("parallel_inferences", 1) == 1
    security = {**pod["securityContext"], **container["securityContext"]}
    assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"]["drop"] == ["ALL"]
    # The same uid as the image's USER.
    assert str(security["runAsUser"]) == instruction_args(final_stage, "USER")[-1].split(":")[0]
    # A read-only root needs a writable /tmp (espeak-ng's library copies, jieba's cache).
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (tmp,) = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]
    assert volumes[tmp["name"]]["emptyDir"].get("medium") != "Memory", "a tmpfs would count against the memory limit"


def test_service_routes_to_the_wyoming_port_of_the_pods(manifests, container):
    service, deployment = manifests["Service"], manifests["Deployment"]
    selector = service["spec"]["selector"]
    assert selector and selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == WYOMING_PORT and port.get("protocol", "TCP") == "TCP"
    assert container_port(container, port["targetPort"])["containerPort"] == WYOMING_PORT
    assert service["spec"].get("sessionAffinity", "None") == "None", "connections must spread over the replicas"


def test_hpa_scales_the_deployment_on_cpu(manifests):
    hpa, deployment = manifests["HorizontalPodAutoscaler"], manifests["Deployment"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", deployment["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] == 1 < hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert 0 < metric["resource"]["target"]["averageUtilization"] <= 100
