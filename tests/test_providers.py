"""Choice of ONNX Runtime execution providers: a pure function of the request and of what the machine has."""

from __future__ import annotations

import copy

import pytest

from wyoming_kokoro.engine.providers import (
    COREML_OPTIONS,
    CUDA_OPTIONS,
    select_providers,
)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
COREML = "CoreMLExecutionProvider"
TRT = "TensorrtExecutionProvider"
AZURE = "AzureExecutionProvider"

# What onnxruntime.get_available_providers() says on typical machines.
MAC_ARM = ([COREML, AZURE, CPU], "Darwin", "arm64")
MAC_INTEL = ([COREML, AZURE, CPU], "Darwin", "x86_64")
MAC_ARM_NO_COREML = ([AZURE, CPU], "Darwin", "arm64")
LINUX_GPU = ([TRT, CUDA, CPU], "Linux", "x86_64")
JETSON = ([CUDA, CPU], "Linux", "aarch64")
WINDOWS_GPU = ([CUDA, CPU], "Windows", "AMD64")
LINUX_CPU = ([AZURE, CPU], "Linux", "x86_64")
CPU_ONLY = ([CPU], "Linux", "x86_64")
RASPBERRY = ([CPU], "Linux", "aarch64")

CPU_ENTRY = (CPU, {})
CUDA_ENTRY = (CUDA, {"cudnn_conv_algo_search": "DEFAULT"})
COREML_ENTRY = (
    COREML,
    {"ModelFormat": "MLProgram", "MLComputeUnits": "ALL", "RequireStaticInputShapes": "0", "EnableOnSubgraphs": "0"},
)


SELECTIONS = [
    # auto
    pytest.param("auto", MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="auto-apple-silicon-coreml"),
    pytest.param("auto", ([COREML, CPU], "Darwin", "aarch64"), [COREML_ENTRY, CPU_ENTRY], id="auto-darwin-aarch64"),
    pytest.param("auto", MAC_INTEL, [CPU_ENTRY], id="auto-darwin-x86_64-no-coreml"),
    pytest.param("auto", MAC_ARM_NO_COREML, [CPU_ENTRY], id="auto-apple-silicon-without-coreml"),
    pytest.param("auto", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="auto-linux-cuda"),
    pytest.param("auto", JETSON, [CUDA_ENTRY, CPU_ENTRY], id="auto-jetson-cuda"),
    pytest.param("auto", WINDOWS_GPU, [CUDA_ENTRY, CPU_ENTRY], id="auto-windows-cuda"),
    pytest.param("auto", LINUX_CPU, [CPU_ENTRY], id="auto-linux-cpu-only"),
    pytest.param("auto", CPU_ONLY, [CPU_ENTRY], id="auto-cpu-only"),
    pytest.param("auto", RASPBERRY, [CPU_ENTRY], id="auto-raspberry"),
    pytest.param(" AUTO ", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="auto-any-case"),
    pytest.param(["auto"], MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="auto-as-list"),
    # explicit, short names
    pytest.param("cpu", LINUX_GPU, [CPU_ENTRY], id="cpu-on-gpu-machine"),
    pytest.param("cpu", MAC_ARM, [CPU_ENTRY], id="cpu-on-mac"),
    pytest.param("cuda", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="cuda"),
    pytest.param("coreml", MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="coreml"),
    pytest.param("coreml", MAC_INTEL, [COREML_ENTRY, CPU_ENTRY], id="coreml-asked-on-intel-mac"),
    pytest.param("cuda,cpu", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="list-string"),
    pytest.param(" cuda , cpu ", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="list-string-spaces"),
    pytest.param("cuda,,cpu,", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="list-string-empty-items"),
    pytest.param(["coreml", "cpu"], MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="list"),
    pytest.param(("coreml",), MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="tuple"),
    pytest.param("CUDA,CPU", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="upper-case-short-names"),
    # full ONNX Runtime names, any case
    pytest.param("CUDAExecutionProvider", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="full-name"),
    pytest.param("cudaexecutionprovider", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="full-name-lower"),
    pytest.param([COREML, CPU], MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="full-names-list"),
    pytest.param(TRT, LINUX_GPU, [(TRT, {}), CPU_ENTRY], id="full-name-without-options"),
    pytest.param(f"{TRT},cuda", LINUX_GPU, [(TRT, {}), CUDA_ENTRY, CPU_ENTRY], id="order-kept"),
    # duplicates removed, the CPU last exactly once
    pytest.param("cuda,cuda,CUDA,CUDAExecutionProvider", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="duplicates"),
    pytest.param("cpu,cuda", LINUX_GPU, [CUDA_ENTRY, CPU_ENTRY], id="cpu-moved-last"),
    pytest.param("cpu,cpu,CPUExecutionProvider", CPU_ONLY, [CPU_ENTRY], id="cpu-duplicates"),
    pytest.param(["cpu", "coreml", "cpu"], MAC_ARM, [COREML_ENTRY, CPU_ENTRY], id="cpu-first-and-last"),
]


@pytest.mark.parametrize(("requested", "machine", "expected"), SELECTIONS)
def test_select_providers(requested, machine, expected):
    available, system, arch = machine
    chosen = select_providers(requested, available, system, arch)
    assert chosen == expected
    names = [name for name, _ in chosen]
    assert names[-1] == CPU and names.count(CPU) == 1
    assert len(set(names)) == len(names)


def test_options_are_those_of_the_module():
    assert COREML_ENTRY[1] == COREML_OPTIONS
    assert CUDA_ENTRY[1] == CUDA_OPTIONS
    assert COREML_OPTIONS["ModelFormat"] == "MLProgram"


def test_is_pure_inputs_untouched_and_options_copied():
    available = [COREML, AZURE, CPU]
    requested = ["coreml", "cpu"]
    before = (copy.deepcopy(available), copy.deepcopy(requested), copy.deepcopy(COREML_OPTIONS))
    first = select_providers(requested, available, "Darwin", "arm64")
    assert (available, requested, COREML_OPTIONS) == before
    # Changing the returned options changes neither the module's options nor a later answer.
    first[0][1]["ModelFormat"] = "NeuralNetwork"
    assert COREML_OPTIONS["ModelFormat"] == "MLProgram"
    second = select_providers(requested, available, "Darwin", "arm64")
    assert second == [COREML_ENTRY, CPU_ENTRY]
    assert second[0][1] is not COREML_OPTIONS


@pytest.mark.parametrize(
    ("requested", "machine", "must_name"),
    [
        pytest.param("cuda", CPU_ONLY, ["'cuda'", CPU], id="cuda-not-available"),
        pytest.param("cuda", LINUX_CPU, ["'cuda'", AZURE, CPU], id="cuda-lists-all-available"),
        pytest.param("cuda,cpu", MAC_ARM, ["'cuda'", COREML, AZURE, CPU], id="cuda-in-list-on-mac"),
        pytest.param("coreml", LINUX_GPU, ["'coreml'", TRT, CUDA, CPU], id="coreml-on-linux"),
        pytest.param(["cpu", "coreml"], CPU_ONLY, ["'coreml'", CPU], id="second-of-list"),
    ],
)
def test_unavailable_provider_is_an_error_naming_it_and_what_is_available(requested, machine, must_name):
    available, system, arch = machine
    with pytest.raises(ValueError) as err:
        select_providers(requested, available, system, arch)
    message = str(err.value)
    assert "not available" in message
    for text in must_name:
        assert text in message, message


def test_unavailable_full_name_is_named():
    with pytest.raises(ValueError) as err:
        select_providers("FooExecutionProvider", [CPU], "Linux", "x86_64")
    # The name comes back lower-cased; what matters is that the user can recognise it.
    assert "fooexecutionprovider" in str(err.value).lower()
    assert CPU in str(err.value)


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        pytest.param("auto,cpu", "auto", id="auto-combined"),
        pytest.param(["cuda", "auto"], "auto", id="auto-combined-list"),
        pytest.param("", "no execution provider", id="empty"),
        pytest.param("   ", "no execution provider", id="blank"),
        pytest.param(",,", "no execution provider", id="commas"),
        pytest.param([], "no execution provider", id="empty-list"),
        pytest.param(["", " "], "no execution provider", id="list-of-blanks"),
        pytest.param("tpu", "'tpu'", id="unknown"),
        pytest.param("gpu", "'gpu'", id="unknown-gpu"),
        pytest.param("cuda,tensor", "'tensor'", id="unknown-in-list"),
    ],
)
def test_bad_requests_are_errors(requested, message):
    # Bad requests are refused whatever the machine has.
    for available, system, arch in (MAC_ARM, LINUX_GPU, CPU_ONLY):
        with pytest.raises(ValueError, match=message):
            select_providers(requested, available, system, arch)


def test_unknown_name_message_lists_accepted_names():
    with pytest.raises(ValueError) as err:
        select_providers("tpu", [CPU], "Linux", "x86_64")
    for name in ("auto", "cpu", "cuda", "coreml"):
        assert name in str(err.value)


def test_auto_leaves_cuda_out_where_no_nvidia_driver_loads():
    # The GPU image run on a machine without a GPU: onnxruntime lists CUDA, the driver is not there.
    available, system, arch = LINUX_GPU
    assert select_providers("auto", available, system, arch, cuda_driver=False) == [CPU_ENTRY]
    assert select_providers("auto", available, system, arch, cuda_driver=True) == [CUDA_ENTRY, CPU_ENTRY]
    # asked for by name, CUDA is tried all the same (onnxruntime says why it cannot)
    assert select_providers("cuda", available, system, arch, cuda_driver=False) == [CUDA_ENTRY, CPU_ENTRY]

