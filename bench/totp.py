"""TOTP codes (RFC 6238, the authenticator app's), for scripts that sign in over HTTP to a
server with two-factor sign-in: the benchmarks' users get a device with a known key, so their
sessions are verified the way a person's are."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time

STEP = 30


def totp_code(hex_key: str, *, steps_ahead: int = 0, now: float | None = None) -> str:
    """The six-digit code for `hex_key` now, or `steps_ahead` 30-second steps later (the
    server accepts one step either way; a code already used is refused)."""
    counter = int((time.time() if now is None else now) // STEP) + steps_ahead
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"
