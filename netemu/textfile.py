"""Reading an input file, the one way every loader does it: the text (UTF-8) or its YAML/JSON
data, or a LoadError naming the file (``FileError`` when it cannot be read, ``SyntaxError`` when
it does not parse). Neutral: used by the zone loader, ``netemu check`` and ``--geo``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from netemu.errors import LoadError, Problem

__all__ = ["load_yaml", "parse_data", "read_data", "read_text"]

# libyaml's parser when PyYAML was built with it (ten times faster on a 10,000-record zone)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """YAML or JSON text -> plain data (JSON-looking text is read as JSON first: the same data,
    faster); raises yaml.YAMLError, also for a document nested too deeply to build."""
    try:
        if text.lstrip().startswith(("{", "[")):
            try:
                return json.loads(text)
            except ValueError:
                pass   # YAML flow style, or not valid: YAML says where
        return yaml.load(text, Loader=_LOADER)   # a safe loader (CSafeLoader or SafeLoader)
    except RecursionError:
        raise yaml.YAMLError("the document is nested too deeply") from None


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
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise LoadError([Problem(source, "", "SyntaxError", " ".join(str(exc).split()))]) \
            from None


def read_data(path: str | Path) -> Any:
    """``parse_data(read_text(path))``."""
    return parse_data(read_text(path), str(path))
