"""Domain names as Route 53 sees them (R1-R4, R14, R17), pure.

Two forms:

- ``Labels``: a tuple of lower-case label bytes without the root, ``(b"www", b"example", b"com")``.
  This is the lookup key; the wire decoder produces the same tuples.
- text: Route 53's stored form, lower case, absolute, every character other than ``a-z 0-9 - _``
  written as a three-digit **octal** escape (``*`` -> ``\\052``, R3). Route 53 reads ``\\ooo`` in
  the input as octal too (BIND master files use decimal ``\\DDD``: ``parse(..., octal=False)``).
"""

from __future__ import annotations

Labels = tuple[bytes, ...]

MAX_LABEL = 63
MAX_NAME = 255
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_")
WILDCARD = b"*"


class BadName(ValueError):
    """A name Route 53 would refuse; ``str(exc)`` says why."""


def parse(text: str, *, octal: bool = True) -> Labels:
    """Labels of ``text`` (trailing dot optional, R4), lower-cased (R1); raises BadName (R2)."""
    if not isinstance(text, str) or not text:
        raise BadName("the name is empty")
    if text == ".":
        return ()
    labels: list[bytes] = []
    current = bytearray()
    i, n = 0, len(text)
    base, width = (8, 3) if octal else (10, 3)
    while i < n:
        ch = text[i]
        if ch == "\\":
            digits = text[i + 1:i + 1 + width]
            if len(digits) == width and digits.isdigit():
                try:
                    value = int(digits, base)
                except ValueError:
                    raise BadName(f"bad escape '\\{digits}' in '{text}'") from None
                if value > 255:
                    raise BadName(f"bad escape '\\{digits}' in '{text}'")
                current.append(value)
                i += 1 + width
                continue
            if i + 1 >= n:
                raise BadName(f"the name '{text}' ends with a backslash")
            current.extend(text[i + 1].encode("utf-8"))
            i += 2
            continue
        if ch == ".":
            if not current:
                raise BadName(f"the name '{text}' has an empty label")
            labels.append(bytes(current))
            current = bytearray()
            i += 1
            continue
        current.extend(ch.encode("utf-8"))
        i += 1
    if current:
        labels.append(bytes(current))
    out = tuple(label.lower() for label in labels)
    for label in out:
        if len(label) > MAX_LABEL:
            raise BadName(f"the label '{_label_text(label)}' is longer than {MAX_LABEL} bytes")
    if wire_length(out) > MAX_NAME:
        raise BadName(f"the name '{text}' is longer than {MAX_NAME} bytes")
    return out


def wire_length(labels: Labels) -> int:
    return sum(len(label) + 1 for label in labels) + 1


def _label_text(label: bytes) -> str:
    return "".join(chr(b) if b in _PLAIN else f"\\{b:03o}" for b in label)


def to_text(labels: Labels) -> str:
    """Route 53's stored form: ``\\052.example.com.`` (R1, R3, R4)."""
    if not labels:
        return "."
    return ".".join(_label_text(label) for label in labels) + "."


def canonical(text: str) -> str:
    """``parse`` then ``to_text``: the one spelling of a name (raises BadName)."""
    return to_text(parse(text))


def to_wire(labels: Labels) -> bytes:
    return b"".join(bytes((len(label),)) + label for label in labels) + b"\x00"


def is_wildcard(labels: Labels) -> bool:
    """R17: ``*`` is a wildcard only as the entire leftmost label."""
    return bool(labels) and labels[0] == WILDCARD


def is_subdomain(name: Labels, parent: Labels) -> bool:
    """``name`` is ``parent`` or below it."""
    return len(name) >= len(parent) and name[len(name) - len(parent):] == parent
