import os
import subprocess
import sys

import pytest

import core.runtime as rt


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


def test_cpu_vendor_reads_this_machine():
    with open("/proc/cpuinfo") as f:
        expected = next(line.split(":", 1)[1].strip() for line in f if line.startswith("vendor_id"))
    assert rt.cpu_vendor() == expected


@pytest.mark.skipif(rt.cpu_vendor() != "AuthenticAMD", reason="the MKL switch only applies on AMD CPUs")
def test_a_fresh_process_gets_the_switch_before_paddle_runs():
    env = {k: v for k, v in os.environ.items() if k != "MKL_DEBUG_CPU_TYPE"}
    code = "import os, core._paddle; print(os.environ.get('MKL_DEBUG_CPU_TYPE'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "5"
