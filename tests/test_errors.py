from __future__ import annotations

from netemu.errors import LoadError, Problem


def test_problem_names_file_item_and_rule() -> None:
    p = Problem("zones/x.yaml", "example.com. CNAME", "InvalidChangeBatch", "not permitted at apex")
    assert str(p) == "zones/x.yaml: example.com. CNAME: InvalidChangeBatch: not permitted at apex"
    err = LoadError([p, Problem("zones/x.yaml", "", "SyntaxError", "bad")])
    assert len(err.problems) == 2 and "zones/x.yaml: SyntaxError: bad" in str(err)
