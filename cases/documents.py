"""Content-addressed storage for generated documents (letters).

Files live under settings.DOCUMENT_ROOT, named by their sha256, outside every public URL;
they are read back only by permission-checked views. Writing is atomic and idempotent.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def path_for(sha256: str) -> Path:
    if not _SHA_RE.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return Path(settings.DOCUMENT_ROOT) / sha256[:2] / f"{sha256}.pdf"


def store(content: bytes) -> str:
    """Store `content` and return its sha256. An existing identical file is kept as is."""
    sha256 = hashlib.sha256(content).hexdigest()
    target = path_for(sha256)
    if target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o440)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256


def read(sha256: str) -> bytes:
    """Read a stored document and verify it still has the recorded checksum."""
    content = path_for(sha256).read_bytes()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise OSError(f"document {sha256} does not match its checksum")
    return content
