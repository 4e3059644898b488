"""netemu.health: the asyncio side of health checks (probes, checker, control channel).

Kept import-light: the command line reads ``DEFAULT_API`` from here without loading the rest."""

DEFAULT_API = "127.0.0.1:4580"   # `netemu serve --api`, `netemu health --api`
