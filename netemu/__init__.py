"""netemu: a Route 53 and AWS VPC networking emulator for real clients.

Layers (see ../shared/ARCHITECTURE.md): the pure cores ``netemu.route53`` and ``netemu.vpc``
take plain data and return plain data; the edges ``netemu.dns``, ``netemu.health``,
``netemu.api`` and ``netemu.dataplane`` do the I/O; ``netemu.cli`` is a thin shell.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
