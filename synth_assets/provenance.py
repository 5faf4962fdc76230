"""Provenance: which code and which configuration produced an artifact."""

import hashlib
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from synth_assets import __version__


@cache
def code_version() -> str:
    """The git commit of the checkout when there is one (with `+dirty` for local edits), else the package version."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{sha}+dirty" if dirty else sha


def config_hash(config: Any) -> str:
    """Stable hash of a JSON-able configuration (key order does not matter)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


_SECRET_PARAMETERS = {"password", "passwd", "pwd", "secret", "token", "access_token", "api_key", "apikey", "key"}


def without_credentials(url: str) -> str:
    """A URL as it may be shown anywhere: no user, no password, no secret query parameters."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _SECRET_PARAMETERS])
    # Rebuilt by hand: urlunsplit drops the `//` of `sqlite:////abs/path`, changing its meaning.
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
