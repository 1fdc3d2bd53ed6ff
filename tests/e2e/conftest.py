"""End-to-end tests of the launched program: the real entry point in a subprocess, started as a user starts
it (a fresh home folder, offscreen), driven through its widgets by a walkthrough in tests/e2e/walks.

The program under test is the `pmscreen` console script of this environment, or the frozen executable named
by PMSCREEN_E2E_EXE (`make package-check`). Nothing here imports Paddle: the program imports it itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

WALKS = Path(__file__).parent / "walks"


def program() -> list[str]:
    frozen = os.environ.get("PMSCREEN_E2E_EXE")
    if frozen:
        return [frozen]
    script = Path(sys.executable).parent / "pmscreen"
    if not script.is_file():
        pytest.fail(f"the console script {script} is missing: install the project (make venv)")
    return [str(script)]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def facts(self) -> dict:
        """What the walkthrough reported (gui.driver.report)."""
        out = {}
        for line in self.stdout.splitlines():
            if line.startswith("walkthrough-report "):
                out.update(json.loads(line.split(" ", 1)[1]))
        return out

    def explain(self) -> str:
        return f"exit code {self.returncode}\n--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-6000:]}"


@pytest.fixture
def launch(tmp_path):
    """``launch(walk, args, *argv)`` runs the program with the walkthrough ``walks/<walk>.py`` to its end."""

    def run(walk: str, args: dict, *argv: str, timeout: float = 1200) -> Outcome:
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PMSCREEN_", "XDG_")) and k not in ("PYTHONPATH",)}
        env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", PMSCREEN_DRIVER=str(WALKS / f"{walk}.py"),
                   E2E_ARGS=json.dumps(args), PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([*program(), *argv], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # a hang: ask for every thread's stack (gui.driver), then end it
            proc.send_signal(signal.SIGUSR1)
            time.sleep(2)
            proc.kill()
            out, err = proc.communicate()
            pytest.fail("the program hung:\n" + Outcome(proc.returncode, out, err).explain())
        return Outcome(proc.returncode, out, err)

    return run
