"""Seals on derived data: an HMAC under a key kept outside the database.

Checkpoints and saved runs sit beside the hash chain, in the same database
file, and a hash chain cannot protect them: anyone who can edit the file can
recompute a hash. So each derived row carries a seal, ``HMAC-SHA256(key,
kind || 0x00 || content)`` with the key's id in front (``id:mac``), and the key
lives in a file of its own:

* ``$GYENGINE_KEY`` names the key file, if set;
* else ``$XDG_CONFIG_HOME/gyengine/key`` (``~/.config/gyengine/key``).

The file holds 32 random bytes as 64 hex digits. It is created (mode 0600)
by ``gyengine init`` or by the first save that needs it. Whoever can edit the
database but not read the key cannot make a seal that checks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path
from typing import Final

from .errors import KeyFileError

__all__ = ["KEY_ENV", "Sealer", "key_path", "load_sealer"]

KEY_ENV: Final = "GYENGINE_KEY"
"""The environment variable naming the key file."""


def key_path() -> Path:
    """Where the key is: ``$GYENGINE_KEY``, else the user's gyengine config folder."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gyengine" / "key"


class Sealer:
    """Makes and checks seals with one key."""

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        self._key = key
        self.path = path
        self.key_id = hmac.new(key, b"gyengine key id", hashlib.sha256).hexdigest()[:16]

    def seal(self, kind: str, content: bytes) -> str:
        """The seal of ``content`` as a ``kind`` (``run``, ``checkpoint``)."""
        mac = hmac.new(self._key, kind.encode() + b"\0" + content, hashlib.sha256)
        return f"{self.key_id}:{mac.hexdigest()}"

    def check(self, kind: str, content: bytes, seal: object) -> str | None:
        """Why ``seal`` does not vouch for ``content``; ``None`` when it does."""
        if not isinstance(seal, str) or not seal:
            return "it has no seal"
        key_id, _, _ = seal.partition(":")
        if key_id != self.key_id:
            return f"it was sealed with key {key_id[:16]!r}, not this one ({self.key_id})"
        if not hmac.compare_digest(seal, self.seal(kind, content)):
            return "its content does not match its seal: it was changed after it was saved"
        return None


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"cannot read the key file {path}: {error}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise KeyFileError(
            f"{path} is not a gyengine key (64 hex digits)",
            hint=f"remove it to have a new one made, or point ${KEY_ENV} at the right file",
        )
    return key


def load_sealer(*, create: bool = False) -> Sealer | None:
    """The sealer of the key file, creating the file when ``create``; ``None`` if there is none."""
    path = key_path()
    if path.exists():
        return Sealer(_read_key(path), path)
    if not create:
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a process
        # that finds the file finds the whole key, and of two processes
        # creating it at once, the second takes the first one's key.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # 0600
    except OSError as error:
        raise KeyFileError(f"cannot create the key file {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass
    except OSError as error:
        raise KeyFileError(f"cannot create the key file {path}: {error.strerror}") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return Sealer(_read_key(path), path)
