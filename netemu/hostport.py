"""``HOST:PORT`` options (``--listen``, ``--api``), parsed one way. Neutral, pure."""

from __future__ import annotations

__all__ = ["parse_host_port"]


def parse_host_port(text: str, option: str, default_port: int | None = None,
                    default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT``, ``[V6]:PORT``, ``:PORT`` (``default_host``) and, when ``default_port`` is
    given, ``HOST`` or ``[V6]`` alone. Raises ValueError naming ``option``."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        sep, port = (":", rest[1:]) if rest.startswith(":") else ("", rest)
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            host, port = text, ""
    if not sep and not port and default_port is not None:
        port = str(default_port)
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{option} wants HOST:PORT, got '{text}'")
    return host or default_host, int(port)
