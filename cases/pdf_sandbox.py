"""The URL sandbox for WeasyPrint: a fetcher that serves only files from one folder.

This module imports WeasyPrint, which is slow to import; import it lazily (inside the function
that renders), as `cases.letters.render_pdf` does.

Allowed: `file:` URLs that resolve (after `..`, percent-decoding and symlinks) to a regular file
inside the asset folder, and `data:` URLs. Refused: everything else — http, https, ftp, files
outside the folder (`file:///etc/passwd`, `../` escapes, symlinks pointing out), `file://host/`
URLs, unknown schemes. A refused URL raises `URLRefusedError`; WeasyPrint catches it, logs a
warning and renders without the resource, so hostile markup cannot stop a letter either.

Fonts are sandboxed too: `BundledFontConfiguration` starts from an *empty* fontconfig
configuration instead of the system's, so the only fonts a document can use are its own
`@font-face` files (served from the asset folder). A character none of them has is drawn as a
missing-glyph box in a bundled font, never in a font that happens to be installed on the server;
`cases.letter_checks` refuses to issue a letter with such a character.
"""

from __future__ import annotations

import atexit
import functools
import logging
import mimetypes
import shutil
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import cffi  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, woff2
from weasyprint.text import ffi as weasy_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

_CONTENT_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


@functools.lru_cache(maxsize=32)
def _decoded_font(path: str, mtime_ns: int, size: int) -> bytes:
    """A WOFF/WOFF2 file as plain sfnt (TrueType/OpenType) bytes, decoded once per process.

    WeasyPrint decodes web fonts itself on every render, which is about half of a letter's
    render time; this does the same decoding (with the same fontTools calls) once. The key
    includes mtime and size, so a replaced file is decoded again.
    """
    data = Path(path).read_bytes()
    out = BytesIO()
    if data[:4] == b"wOF2":
        woff2.decompress(BytesIO(data), out)
    else:
        font = TTFont(BytesIO(data))
        font.flavor = None
        font.save(out)
    return out.getvalue()


def _read_asset(path: Path) -> bytes:
    if path.suffix.lower() in (".woff", ".woff2"):
        stat = path.stat()
        return _decoded_font(str(path), stat.st_mtime_ns, stat.st_size)
    return path.read_bytes()


class URLRefusedError(ValueError):
    """A URL outside the sandbox; nothing was fetched."""


class SandboxedURLFetcher(URLFetcher):
    """Serve files below `root` (and `data:` URLs); refuse every other URL.

    `served` and `refused` list what was asked for, for tests and diagnostics.
    """

    def __init__(self, root: Path | str, **kwargs: Any) -> None:
        super().__init__(
            timeout=1,
            allowed_protocols=("file", "data"),
            allow_redirects=False,
            fail_on_errors=False,
        )
        self.root = Path(root).resolve(strict=True)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            # Decoded by urllib's DataHandler: no network, no file system.
            self.served.append("data:")
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._asset_path(url)
            if path is not None:
                self.served.append(path.relative_to(self.root).as_posix())
                content_type = _CONTENT_TYPES.get(path.suffix.lower()) or (
                    mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                )
                return URLFetcherResponse(
                    url, body=_read_asset(path), headers={"Content-Type": content_type}
                )
        self.refused.append(url)
        # Only the scheme is logged: a URL could carry text from the document.
        logger.warning("PDF rendering refused a %s: URL outside the asset folder", scheme or "?")
        raise URLRefusedError(f"URL outside the PDF sandbox refused ({scheme or 'no scheme'})")

    def _asset_path(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            resolved = Path(url2pathname(parts.path)).resolve()
        except (OSError, ValueError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved


# ---------------------------------------------------------------------------
# Fonts: no system font, ever


@functools.lru_cache(maxsize=4)
def _sfnt_file(path: Path) -> Path:
    """`path` (a bundled WOFF/WOFF2) decoded once per process into a temporary file, which
    fontconfig can read; removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="inspectie-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / f"{path.stem}.ttf"
    target.write_bytes(_read_asset(path))
    return target


# WeasyPrint's cffi declarations lack FcConfigCreate; this FFI shares its types.
_fc_ffi = cffi.FFI()
_fc_ffi.include(weasy_ffi.ffi)
_fc_ffi.cdef("FcConfig * FcConfigCreate (void);")
_fontconfig = weasy_ffi._dlopen(
    _fc_ffi,
    "libfontconfig-1",
    "fontconfig-1",
    "fontconfig",
    "libfontconfig.so.1",
    "libfontconfig.1.dylib",
    "libfontconfig-1.dll",
)


class BundledFontConfiguration(FontConfiguration):
    """WeasyPrint's font configuration without the system's fonts.

    `FontConfiguration.__init__` loads the system configuration and every installed font
    (`FcInitLoadConfigAndFonts`), which Pango then uses for any character the document's fonts
    lack (DejaVu drawing Vietnamese, say). This one starts from `FcConfigCreate()`: no font
    directories, no system fonts. It holds `default_font` (a bundled file), so that a document
    without a usable `@font-face` still has a font (Pango crashes with none at all), and the
    document's own `@font-face` fonts. Written against WeasyPrint 70 (pinned);
    tests/test_letters.py and tests/test_letter_checks.py check with `pdffonts` that it holds.
    """

    def __init__(self, default_font: Path) -> None:
        self._config = _fontconfig.FcConfigCreate()
        weasy_ffi.fontconfig.FcConfigAppFontAddFile(
            self._config, str(_sfnt_file(default_font)).encode()
        )
        self.font_map = weasy_ffi.ffi.gc(
            weasy_ffi.pangoft2.pango_ft2_font_map_new(), weasy_ffi.gobject.g_object_unref
        )
        weasy_ffi.pangoft2.pango_fc_font_map_set_config(
            weasy_ffi.ffi.cast("PangoFcFontMap *", self.font_map), self._config
        )
        # pango_fc_font_map_set_config keeps its own reference.
        weasy_ffi.fontconfig.FcConfigDestroy(self._config)
        self._folder = None
        self.strut_layouts: dict[Any, Any] = {}
        self.font_features: dict[Any, Any] = {}
