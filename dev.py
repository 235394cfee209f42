#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.11+.

python3 dev.py run     # venv + install + fresh demo database, serve http://127.0.0.1:8000
python3 dev.py test    # the whole test suite (extra arguments go to pytest)
python3 dev.py setup   # only create/refresh the virtual environment
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
INPUTS = ("pyproject.toml", "constraints.txt")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _requirements() -> list[str]:
    """The exact pins of pyproject.toml: runtime and dev dependencies."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("Python 3.11 or newer is needed.")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("Installing the pinned dependencies ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run(
        [*pip, "install", "-c", "constraints.txt", *_requirements()], check=True, cwd=ROOT
    )
    STAMP.write_text(_fingerprint())


def _run(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})}).returncode


def run() -> int:
    setup()
    env = {"DEBUG": "true"}
    code = _run([str(PYTHON), "manage.py", "demo"], env)
    if code:
        return code
    print("\nOpen http://127.0.0.1:8000 (stop with Ctrl+C).", flush=True)
    return _run([str(PYTHON), "manage.py", "runserver", "127.0.0.1:8000"], env)


def test(extra: list[str]) -> int:
    setup()
    # Both cores by default; a test file stays on one worker (module-scoped fixtures).
    parallel = [] if any(a == "-n" or a.startswith("-n") for a in extra) else ["-n", "auto"]
    return _run([str(PYTHON), "-m", "pytest", *parallel, "--dist", "loadfile", *extra])


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "setup":
        setup()
        return 0
    if command == "run":
        return run()
    if command == "test":
        return test(argv[1:])
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
