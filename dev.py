#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.11+.

python3 dev.py run               # venv + install, serve http://127.0.0.1:8000; a new database
                                 # gets the demo data, a database with data is kept as it is
python3 dev.py run --reset       # the same, but start again from the demo data (deletes all)
python3 dev.py run --port 8080   # serve on another port
python3 dev.py test              # the whole test suite (extra arguments go to pytest)
python3 dev.py setup             # only create/refresh the virtual environment
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


def _run_options(args: list[str]) -> tuple[bool, int]:
    """`--reset` and `--port N` (or `--port=N`); anything else is refused."""
    reset, port, rest = False, 8000, list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--reset":
            reset = True
        elif arg == "--port" or arg.startswith("--port="):
            value = arg.partition("=")[2] if "=" in arg else (rest.pop(0) if rest else "")
            if not value.isdigit() or not 0 < int(value) < 65536:
                sys.exit(f"--port needs a port number (1-65535), got {value!r}.")
            port = int(value)
        else:
            sys.exit(f"Unknown option for run: {arg!r}. Use --reset and/or --port N.")
    return reset, port


def run(args: list[str]) -> int:
    reset, port = _run_options(args)
    setup()
    env = {"DEBUG": "true"}
    demo = [str(PYTHON), "manage.py", "demo"] + ([] if reset else ["--keep"])
    code = _run(demo, env)
    if code:
        return code
    print(f"\nOpen http://127.0.0.1:{port} (stop with Ctrl+C).", flush=True)
    return _run([str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}"], env)


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
        return run(argv[1:])
    if command == "test":
        return test(argv[1:])
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
