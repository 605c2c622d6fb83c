"""Schemathesis over mimeo's own OpenAPI document, against a real server: whatever it sends,
no answer is a 5xx, and every answer's status and content type are ones the document lists.

All four of its phases run (the schema's examples, coverage of edge values, random fuzzing, and
stateful sequences that feed one answer's ids into the next request) within ``MAX_SECONDS``:
broad, not exhaustive; the hardening tests pin the inputs that once broke the server.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKEN, running_server

pytestmark = pytest.mark.slow  # a server of its own: fuzzing creates models and files
MAX_SECONDS = 45
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,unsupported_method"


def test_no_request_gets_a_server_error_or_an_undocumented_answer(
    tmp_path: Path, env_dir: Path
) -> None:
    with running_server(tmp_path, env_dir, "--examples", "none") as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{server.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-time",
                str(MAX_SECONDS),
                # One: with two threads, CPython 3.11's ast.parse (which Hypothesis calls to
                # describe strategies) can fail with "AST constructor recursion depth mismatch".
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            cwd=tmp_path,  # its cache of past failures goes there, not into the checkout
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS * 5,
            check=False,
        )

    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
