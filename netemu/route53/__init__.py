"""Route 53, pure: hosted zones, record sets, health checks and routing policies as plain values.

No sockets, no asyncio, no clock or global randomness: time, randomness, health and the client's
location are arguments. Edges (``netemu.dns``, ``netemu.health``, ``netemu.api``) call in.
"""
