"""netemu: a Route 53 and AWS VPC networking emulator for real clients.

Layers (docs/architecture.md): the pure cores ``netemu.route53`` and ``netemu.vpc`` take plain
data and return plain data; the edges ``netemu.dns``, ``netemu.health``, ``netemu.api`` and
``netemu.dataplane`` do the I/O; ``netemu.cli`` is a thin shell.

The AWS behaviours the code reproduces are numbered (R1.. for Route 53, V1.. for VPC) and cited
by number in comments and tests; docs/behaviour.md describes each one, with its AWS source and
the tests that check it.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
