"""Errors shared by every layer.

NetemuError
 └── LoadError          a zone or topology file was refused; carries every Problem found

A Problem names the file, the item and the rule, in AWS's words where AWS has an error for it:

    zones/bad.yaml: example.com. CNAME: InvalidChangeBatch: RRSet of type CNAME with DNS name ...
    topologies/x.yaml: vpcs[app].subnets[a].cidr: InvalidSubnet.Range: The CIDR '10.9.0.0/24' ...
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    ``file``: the path as given; ``item``: what is wrong, e.g. ``www.example.com. A [blue]`` for a
    record set or ``vpcs[app].subnets[a].cidr`` for a topology item; ``code``: AWS's error code
    (``InvalidChangeBatch``, ``InvalidInput``, ``InvalidSubnet.Range``...) or a netemu code when AWS
    has none; ``message``: AWS's wording where it has one.
    """

    file: str
    item: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.item}" if self.item else self.file
        return f"{where}: {self.code}: {self.message}"


class NetemuError(Exception):
    """Root of netemu's own errors."""


class LoadError(NetemuError):
    """A file (or set of files) was refused whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
