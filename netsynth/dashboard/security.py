"""What keeps the dashboard safe to run: loopback by default, a token for every write, a Host
allowlist against DNS rebinding, and export paths that cannot leave the output folder."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

TOKEN_HEADER = "X-Netsynth-Token"
TOKEN_COOKIE = "netsynth_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnsafePathError(ValueError):
    """A requested export path that would resolve outside the output folder."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), token.encode())


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost``: an address only this machine can reach."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on an address other machines can reach unless a token guards it."""
    if not is_loopback(host) and not token:
        raise ValueError(
            f"--host {host} makes the dashboard reachable from other machines; "
            "set a token with --token TOKEN (or serve on 127.0.0.1)"
        )


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names a request may carry: loopback names, the address served on, and ``extra``.
    A page loaded from any other name (a DNS-rebinding attacker's domain) is refused."""
    names = {*LOOPBACK_NAMES, bind_host.strip("[]"), *(h.strip("[]") for h in extra)}
    return frozenset(name.lower() for name in names if name not in ("0.0.0.0", "::"))


def host_name(header: str) -> str:
    """``example.org:8765`` -> ``example.org``; ``[::1]:8765`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def safe_folder_name(name: str) -> str:
    """An experiment name as one folder name: other characters become ``_``; never ``..``."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return cleaned or "experiment"


def confined_path(root: Path, relative: str) -> Path:
    """``root / relative``, refusing absolute paths, ``..`` (also percent-encoded, however many
    times), backslashes and NUL, and anything that resolves outside ``root`` (symlinks too)."""
    decoded = relative
    for _ in range(5):  # %252e%252e -> %2e%2e -> ..
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            break
    if not decoded or "\x00" in decoded or "\\" in decoded:
        raise UnsafePathError("an export path must be a plain relative path")
    if decoded.startswith("/") or Path(decoded).is_absolute() or decoded.startswith("~"):
        raise UnsafePathError("an export path must be relative to the output folder")
    if any(part == ".." for part in decoded.split("/")):
        raise UnsafePathError("an export path may not contain '..'")
    base = root.resolve()
    target = (base / decoded).resolve()
    if not target.is_relative_to(base) or target == base:
        raise UnsafePathError("an export path must stay inside the output folder")
    return target
