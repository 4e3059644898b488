from __future__ import annotations

from netemu.cli import main

raise SystemExit(main())
