import os
import subprocess
import sys

import pytest

import core.nn.cpu as rt


def _configured_env(monkeypatch, vendor: str, **preset) -> dict:
    for var in rt.CPU_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in preset.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(rt, "cpu_vendor", lambda: vendor)
    rt.configure_threads()
    return {v: os.environ.get(v) for v in rt.CPU_ENV_VARS}


def test_threads_default_to_all_cores_and_mkl_follows_omp(monkeypatch):
    env = _configured_env(monkeypatch, "GenuineIntel")
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == str(os.cpu_count())
    env = _configured_env(monkeypatch, "GenuineIntel", OMP_NUM_THREADS="1")  # e.g. two jobs sharing 2 cores
    assert env["MKL_NUM_THREADS"] == "1"


def test_mkl_avx2_path_only_on_amd_and_never_overrides_the_user(monkeypatch):
    assert _configured_env(monkeypatch, "AuthenticAMD")["MKL_DEBUG_CPU_TYPE"] == "5"
    assert _configured_env(monkeypatch, "GenuineIntel")["MKL_DEBUG_CPU_TYPE"] is None  # Intel: MKL's best path
    assert _configured_env(monkeypatch, "AuthenticAMD", MKL_DEBUG_CPU_TYPE="2")["MKL_DEBUG_CPU_TYPE"] == "2"


CPUINFO = """processor\t: 0
vendor_id_extra\t: a longer key, not vendor_id
vendor_id\t: {vendor}
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme avx2 avx512f avx512_bf16

processor\t: 1
vendor_id\t: SecondCoreIgnored
flags\t\t: fpu
"""


def _cpuinfo(monkeypatch, text: str | None, processor: str = ""):
    """/proc/cpuinfo holds ``text`` (None: there is none, as on Windows); platform.processor() says ``processor``."""
    import io
    import platform

    def fake_open(path, *args, **kwargs):
        assert path == "/proc/cpuinfo"
        if text is None:
            raise FileNotFoundError(path)
        return io.StringIO(text)

    monkeypatch.setattr(rt, "open", fake_open, raising=False)  # the module's open(), not the builtin
    monkeypatch.setattr(platform, "processor", lambda: processor)


def test_cpuinfo_fields_are_read_from_the_first_processor(monkeypatch):
    _cpuinfo(monkeypatch, CPUINFO.format(vendor="AuthenticAMD"))
    assert rt.cpu_vendor() == "AuthenticAMD"
    assert rt.cpuinfo_field("flags") == "fpu vme avx2 avx512f avx512_bf16"
    assert rt.cpuinfo_field("model name") == "AMD EPYC 9R14 96-Core Processor"
    assert rt.cpuinfo_field("microcode") is None
    _cpuinfo(monkeypatch, CPUINFO.format(vendor="GenuineIntel"))
    assert rt.cpu_vendor() == "GenuineIntel"


def test_cpu_vendor_without_proc_cpuinfo_comes_from_the_platform(monkeypatch):
    _cpuinfo(monkeypatch, None, "AMD64 Family 25 Model 17 Stepping 1, AuthenticAMD")  # as on Windows
    assert rt.cpuinfo_field("vendor_id") is None and rt.cpu_vendor() == "AuthenticAMD"
    _cpuinfo(monkeypatch, None, "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel")
    assert rt.cpu_vendor() == "GenuineIntel"
    _cpuinfo(monkeypatch, None, "arm")
    assert rt.cpu_vendor() == ""


@pytest.mark.skipif(rt.cpu_vendor() != "AuthenticAMD", reason="the MKL switch only applies on AMD CPUs")
def test_a_fresh_process_gets_the_switch_before_paddle_runs():
    env = {k: v for k, v in os.environ.items() if k != "MKL_DEBUG_CPU_TYPE"}
    code = "import os, core.nn._paddle; print(os.environ.get('MKL_DEBUG_CPU_TYPE'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "5"
