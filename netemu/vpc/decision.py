"""Decision: what an evaluator (route table, security group, network ACL, gateway) decided.

Every verdict carries its reason (STYLE section 7, rule 7): ``verdict`` is ``allow`` or ``deny``,
``rule`` the deciding rule as text (``100``, ``* (implicit deny)``, ``10.0.0.0/16 -> local``,
``web: ingress tcp 80 from 0.0.0.0/0``), ``reason`` one sentence a person can read, ``code`` the
Reachability Analyzer explanation code where one exists (docs/behaviour.md V94), and ``matched`` the
model object that decided (a NaclRule, SgRule, Route or TgwRoute) for callers that need it.
"""

from __future__ import annotations

from dataclasses import dataclass

ALLOW = "allow"
DENY = "deny"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: str
    rule: str | None
    reason: str
    code: str | None = None
    matched: object = None

    @property
    def allowed(self) -> bool:
        return self.verdict == ALLOW
