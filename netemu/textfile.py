"""Reading an input file, the one way every loader does it: the text (UTF-8) or its YAML/JSON
data, or a LoadError naming the file (``FileError`` when it cannot be read, ``SyntaxError`` when
it does not parse). Neutral: used by the zone loader, ``netemu check`` and ``--geo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from netemu.errors import LoadError, Problem

__all__ = ["parse_data", "read_data", "read_text"]


def read_text(path: str | Path) -> str:
    """The file's text; LoadError(FileError) when it is missing, unreadable or not UTF-8."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError([Problem(str(path), "", "FileError", exc.strerror or str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise LoadError([Problem(str(path), "", "FileError", f"not UTF-8 text: {exc}")]) from None


def parse_data(text: str, source: str) -> Any:
    """YAML (JSON is YAML) -> plain data; LoadError(SyntaxError) naming ``source``."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError([Problem(source, "", "SyntaxError", " ".join(str(exc).split()))]) \
            from None


def read_data(path: str | Path) -> Any:
    """``parse_data(read_text(path))``."""
    return parse_data(read_text(path), str(path))
