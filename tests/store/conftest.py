"""Fixtures of the store tests."""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture
def children():
    """Processes started by a test; killed (by their own pid) if still running at the end."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream:
                stream.close()
