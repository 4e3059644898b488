"""Rendering of diagrams (``netemu.vpc.diagram`` builds the DOT text, purely): Graphviz's
``dot`` through the ``graphviz`` binding. The one home of that binding (tests/test_layering.py).

``render(dot_text, fmt)`` returns the bytes of an SVG or PNG (or the DOT text itself for
``dot``); ``write(dot_text, path)`` picks the format from the file's suffix.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("svg", "png", "pdf", "dot")


class DrawError(RuntimeError):
    """Graphviz is missing or refused the diagram."""


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "gv":
        return "dot"
    if suffix not in FORMATS:
        raise DrawError(f"unknown diagram format {suffix or '(none)'!r}: use .svg, .png, "
                        ".pdf or .dot")
    return suffix


def render(dot_text: str, fmt: str = "svg") -> bytes:
    if fmt == "dot":
        return dot_text.encode()
    import graphviz

    try:
        data: bytes = graphviz.Source(dot_text, engine="dot").pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise DrawError("Graphviz's 'dot' is not installed (Debian package graphviz; "
                        "scripts/setup.sh installs it)") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise DrawError(f"Graphviz refused the diagram: {detail}") from None
    return data


def svg(dot_text: str) -> str:
    return render(dot_text, "svg").decode()


def write(dot_text: str, path: str | Path) -> None:
    data = render(dot_text, format_of(path))
    Path(path).write_bytes(data)
