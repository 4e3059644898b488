"""docs/behaviour.md is the catalogue of the AWS behaviours (R1.., V1..) the code and tests cite.

The checks, all by reading files (no imports of netemu, no servers):

- every id cited in ``netemu/``, ``tests/`` or the other pages of ``docs/`` (a range such as
  ``V31-V34`` cites each id in it) has an entry in the catalogue;
- every entry either is marked ``Out of scope: <reason>.`` or has a ``Checked by:`` line, and
  some test cites its id;
- every test named on a ``Checked by:`` line exists (file + function, optionally ``Class::``)
  and cites the id of its entry (in its name, decorators, body, docstring or comments, in a
  module-level table it uses, or in its module docstring).

The self-tests at the end run the checker on a small made-up tree, so each check can fail.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("docs") / "behaviour.md"
THIS = Path("tests") / "test_catalogue.py"

_ID = r"(?<![A-Za-z0-9_])([RV])(\d{1,3})(?![0-9A-Za-z_])"
ID_RE = re.compile(_ID)
RANGE_RE = re.compile(_ID + r"\s*(?:-|–|\.\.)\s*([RV])(\d{1,3})(?![0-9A-Za-z_])")
ENTRY_RE = re.compile(r"^### (.+?)\s*$", re.MULTILINE)
ENTRY_ID_RE = re.compile(r"^([RV]\d{1,3}) — \S")
TEST_DEF_RE = re.compile(r"^\s*(?:async\s+)?def\s+(test\w*)", re.MULTILINE)
CHECKED_RE = re.compile(r"^Checked by:(.*?)(?:\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)
TEST_REF_RE = re.compile(r"`([^`]+?\.py)::([^`]+)`")


def cited_ids(text: str) -> set[str]:
    """The behaviour ids a text cites; ``R38-R44`` (or ``–``, ``..``) cites R38 to R44."""
    ids = {f"{p}{int(n)}" for p, n in ID_RE.findall(text)}
    for p1, a, p2, b in RANGE_RE.findall(text):
        lo, hi = int(a), int(b)
        if p1 == p2 and lo < hi <= lo + 30:
            ids.update(f"{p1}{n}" for n in range(lo, hi + 1))
    return ids


def name_ids(name: str) -> set[str]:
    """The ids a test's name cites: ``test_v3_v7_v12_...`` or ``test_x_R52`` (any case)."""
    return {t.upper() for t in name.split("_") if re.fullmatch(r"[RVrv]\d{1,3}", t)}


def _text_ids(text: str) -> set[str]:
    """cited_ids of a file's text, plus what the names of its test functions cite."""
    ids = cited_ids(text)
    for name in TEST_DEF_RE.findall(text):
        ids |= name_ids(name)
    return ids


def _py_files(root: Path, top: str) -> list[Path]:
    return sorted(p for p in (root / top).rglob("*.py")
                  if "__pycache__" not in p.parts and p.relative_to(root) != THIS)


def _doc_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "docs").rglob("*.md") if p.relative_to(root) != CATALOGUE)


def ids_cited_in_tree(root: Path) -> dict[str, set[str]]:
    """id -> the files (relative to root) of netemu/, tests/ and docs/ that cite it."""
    out: dict[str, set[str]] = {}
    for path in _py_files(root, "netemu") + _py_files(root, "tests") + _doc_files(root):
        for i in _text_ids(path.read_text(encoding="utf-8")):
            out.setdefault(i, set()).add(str(path.relative_to(root)))
    return out


@dataclass
class ParsedTests:
    """The tests of one file and the text through which each cites ids."""

    module_doc: str = ""
    tests: dict[str, str] = field(default_factory=dict)  # "test_x" or "TestC::test_x" -> text


def _source(lines: list[str], node: ast.stmt) -> str:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    end = node.end_lineno or node.lineno
    return "\n".join(lines[first - 1:end])


def _tables(tree: ast.Module, lines: list[str]) -> dict[str, str]:
    """Module-level names bound by assignments -> the source of the assignment."""
    tables: dict[str, str] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Name):
                tables[t.id] = _source(lines, node)
    return tables


def _imported_tables(tree: ast.Module, root: Path) -> dict[str, str]:
    """Tables a test file imports from a helper module of tests/ (``from tests.x import CASES``)."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.startswith("tests."):
            path = root.joinpath(*node.module.split(".")).with_suffix(".py")
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            tables = _tables(ast.parse(text, str(path)), text.splitlines())
            for alias in node.names:
                if alias.name in tables:
                    out[alias.asname or alias.name] = tables[alias.name]
    return out


def read_test_file(path: Path, root: Path = ROOT) -> ParsedTests:
    """The tests of a file; a ``# --- title ---`` comment line heads the tests below it."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, str(path))
    lines = text.splitlines()
    tables = _imported_tables(tree, root) | _tables(tree, lines)
    sections = [(n, line) for n, line in enumerate(lines, 1) if line.startswith("# ---")]
    out = ParsedTests(module_doc=ast.get_docstring(tree) or "")

    def add(name: str, fn: ast.FunctionDef | ast.AsyncFunctionDef, extra: str) -> None:
        body = _source(lines, fn)
        used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        heads = [line for n, line in sections if n < fn.lineno]
        out.tests[name] = "\n".join([fn.name, extra, heads[-1] if heads else "", body]
                                    + [tables[u] for u in sorted(used) if u in tables])

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name.startswith("test"):
            add(node.name, node, "")
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        sub.name.startswith("test"):
                    add(f"{node.name}::{sub.name}", sub, ast.get_docstring(node) or "")
    return out


def citing_tests(root: Path) -> dict[str, list[str]]:
    """id -> the tests ("tests/x.py::test_y") whose own text cites it, in file order."""
    out: dict[str, list[str]] = {}
    for path in _py_files(root, "tests"):
        if not path.name.startswith("test_"):
            continue
        rel = str(path.relative_to(root))
        for name, text in read_test_file(path, root).tests.items():
            for i in sorted(_text_ids(text)):
                out.setdefault(i, []).append(f"{rel}::{name}")
    return out


@dataclass
class Entry:
    heading: str
    ident: str | None  # "R12" for behaviour entries, None for the decisions
    body: str
    checked_by: list[tuple[str, str]]  # (file, test name)
    out_of_scope: bool


def parse_catalogue(text: str) -> list[Entry]:
    heads = list(ENTRY_RE.finditer(text))
    entries = []
    for k, m in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        body = text[m.end():end].split("\n## ")[0]
        ident = ENTRY_ID_RE.match(m.group(1))
        checked = CHECKED_RE.search(body)  # the line, and its continuation lines if wrapped
        refs = [(f, t.split("[")[0])
                for f, t in TEST_REF_RE.findall(checked.group(1) if checked else "")]
        entries.append(Entry(m.group(1), ident.group(1) if ident else None, body, refs,
                             "Out of scope:" in body))
    return entries


def _test_exists(root: Path, file: str, name: str, cache: dict[str, ParsedTests | None]) -> bool:
    return _cites(root, file, name, None, cache)


def _cites(root: Path, file: str, name: str, ident: str | None,
           cache: dict[str, ParsedTests | None]) -> bool:
    if file not in cache:
        path = root / file
        cache[file] = read_test_file(path, root) if path.is_file() else None
    tf = cache[file]
    if tf is None or name not in tf.tests:
        return False
    return ident is None or ident in _text_ids(tf.tests[name]) or ident in cited_ids(
        tf.module_doc)


def problems(root: Path, catalogue_text: str) -> list[str]:
    """Everything wrong between the tree under root and the catalogue text, one line each."""
    out: list[str] = []
    entries = parse_catalogue(catalogue_text)
    listed: dict[str, Entry] = {}
    for e in entries:
        if e.ident is None:
            if not e.checked_by:
                out.append(f"{CATALOGUE}: decision {e.heading!r} names no test on 'Checked by:'")
            continue
        if e.ident in listed:
            out.append(f"{CATALOGUE}: {e.ident} has two entries")
        listed[e.ident] = e
        if "Source:" not in e.body:
            out.append(f"{CATALOGUE}: {e.ident} gives no 'Source:'")
        if e.out_of_scope and e.checked_by:
            out.append(f"{CATALOGUE}: {e.ident} is both 'Out of scope' and 'Checked by'")
        if not e.out_of_scope and not e.checked_by:
            out.append(f"{CATALOGUE}: {e.ident} has neither 'Checked by:' nor 'Out of scope:'")
    cited = ids_cited_in_tree(root)
    for ident in sorted(set(cited) - set(listed), key=_order):
        where = ", ".join(sorted(cited[ident]))
        out.append(f"{ident} is cited by {where} but has no entry in {CATALOGUE}")
    by_tests = citing_tests(root)
    test_files_citing = {i for i, files in cited.items()
                         if any(f.startswith("tests/") for f in files)}
    cache: dict[str, ParsedTests | None] = {}
    for ident, e in sorted(listed.items(), key=lambda kv: _order(kv[0])):
        if e.out_of_scope:
            continue
        if ident not in by_tests and ident not in test_files_citing:
            out.append(f"{CATALOGUE}: {ident} is listed but no test cites it "
                       "(cite it in the test, or mark it 'Out of scope: <reason>.')")
    for e in entries:
        for file, name in e.checked_by:
            label = e.ident or repr(e.heading)
            if not _test_exists(root, file, name, cache):
                out.append(f"{CATALOGUE}: {label}: Checked by `{file}::{name}`, "
                           "which does not exist")
            elif e.ident and not _cites(root, file, name, e.ident, cache):
                out.append(f"{CATALOGUE}: {label}: `{file}::{name}` does not cite {e.ident}")
    return out


def _order(ident: str) -> tuple[str, int]:
    return ident[0], int(ident[1:])


def checked_by_line(ident: str, tests: list[str], limit: int = 6) -> str:
    """The generated ``Checked by:`` line: tests whose name carries the id first, at most limit."""
    named = [t for t in tests if ident in name_ids(t.split("::")[-1])]
    chosen = (named + [t for t in tests if t not in named])[:limit]
    line = "Checked by: " + ", ".join(f"`{t}`" for t in chosen)
    more = len(tests) - len(chosen)
    return line + (f" (and {more} more that cite {ident})." if more else ".")


def main(argv: list[str]) -> None:
    """``python tests/test_catalogue.py [ID ...]``: the ``Checked by:`` line of each id, from the
    tree; with no id, a skeleton entry for every cited id the catalogue lacks."""
    by_tests = citing_tests(ROOT)
    listed = {e.ident for e in parse_catalogue((ROOT / CATALOGUE).read_text(encoding="utf-8"))}
    ids = argv or sorted(set(ids_cited_in_tree(ROOT)) - listed, key=_order)
    for ident in ids:
        tests = by_tests.get(ident, [])
        if not argv:
            print(f"### {ident} — TITLE\nTEXT. Source: PAGE TITLE, URL.")
        print(
            checked_by_line(ident, tests) if tests else "Out of scope: REASON (no test cites it)."
        )
        if not argv:
            print()


# --- the real check -------------------------------------------------------------------------------


def test_catalogue_matches_the_code_and_tests() -> None:
    text = (ROOT / CATALOGUE).read_text(encoding="utf-8")
    found = problems(ROOT, text)
    assert not found, "\n".join(found)


# --- self-tests on a made-up tree -----------------------------------------------------------------

GOOD = """# catalogue

### R1 — Names ignore case
Words. Source: somewhere.
Checked by:
`tests/test_a.py::test_case_R1`.

### V2 — Host bits are cleared
Words. Source: somewhere.
Checked by: `tests/test_a.py::TestCidr::test_canonical[x]`.

### V7 — Something we skip
Words. Source: somewhere.
Out of scope: no such resource.

## Choices where AWS documentation is silent

### NOTIMP for NOTIFY
Words.
Checked by: `tests/test_a.py::test_notify`.
"""

TEST_A = '''"""Made-up tests."""
CASES = [("V2 host bits", "10.0.0.1/16")]


def test_case_R1():
    pass


class TestCidr:
    def test_canonical(self):
        assert CASES


def test_notify():
    pass
'''


def _tree(tmp: Path, code: str = "# R1 and V2\n", tests: str = TEST_A) -> Path:
    (tmp / "netemu").mkdir(parents=True)
    (tmp / "tests").mkdir()
    (tmp / "netemu" / "x.py").write_text(code)
    (tmp / "tests" / "test_a.py").write_text(tests)
    return tmp


def test_self_check_accepts_a_consistent_tree(tmp_path: Path) -> None:
    assert problems(_tree(tmp_path), GOOD) == []


def test_self_check_catches_an_id_missing_from_the_catalogue(tmp_path: Path) -> None:
    root = _tree(tmp_path, code="# R1 V2, and a range V30-V31\n")
    found = problems(root, GOOD)
    assert [p for p in found if "V30 is cited by netemu/x.py" in p]
    assert [p for p in found if "V31 is cited by netemu/x.py" in p]
    assert len(found) == 2


def test_self_check_reads_the_other_docs_too(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("Untracked flows (V48) are not modelled.\n")
    (root / "docs" / "behaviour.md").write_text("### V49 — only the catalogue itself\n")
    assert problems(root, GOOD) == [
        f"V48 is cited by docs/guide.md but has no entry in {CATALOGUE}"]


def test_self_check_catches_an_entry_no_test_cites(tmp_path: Path) -> None:
    extra = GOOD.replace("## Choices", "### R9 — Cited by code only\nWords. Source: s.\n"
                         "Checked by: `tests/test_a.py::test_case_R1`.\n\n## Choices")
    root = _tree(tmp_path, code="# R1 V2 R9\n")
    found = problems(root, extra)
    assert any("R9 is listed but no test cites it" in p for p in found)
    assert any("`tests/test_a.py::test_case_R1` does not cite R9" in p for p in found)


def test_self_check_catches_a_checked_by_test_that_does_not_exist(tmp_path: Path) -> None:
    for wrong in ("tests/test_a.py::test_gone", "tests/test_b.py::test_case_R1",
                  "tests/test_a.py::TestOther::test_canonical"):
        bad = GOOD.replace("tests/test_a.py::test_notify", wrong)
        found = problems(_tree(tmp_path / wrong.replace("/", "_").replace(":", "_")), bad)
        expected = (f"{CATALOGUE}: 'NOTIMP for NOTIFY': Checked by `{wrong}`, "
                    "which does not exist")
        assert found == [expected], found


def test_self_check_catches_an_entry_with_neither_test_nor_reason(tmp_path: Path) -> None:
    bad = GOOD.replace("Out of scope: no such resource.", "")
    found = problems(_tree(tmp_path), bad)
    assert f"{CATALOGUE}: V7 has neither 'Checked by:' nor 'Out of scope:'" in found, found


def test_cited_ids_reads_single_ids_and_ranges() -> None:
    assert cited_ids("R38-R40, V1–V3 and V9..V10; not IPv4, HR12, V4a, R5_x") == {
        "R38", "R39", "R40", "V1", "V2", "V3", "V9", "V10"}


def test_self_check_attributes_tables_sections_and_lowercase_names(tmp_path: Path) -> None:
    root = _tree(tmp_path, tests='''"""Module."""
from tests.cases import ROWS

# --- V16: broadcast ---


def test_v3_v7_blocks():
    pass


def test_rows():
    assert ROWS
''')
    (root / "tests" / "cases.py").write_text('ROWS = [("R27 bad IPv4", "x")]\n')
    found = citing_tests(root)
    assert found["V3"] == found["V7"] == ["tests/test_a.py::test_v3_v7_blocks"]
    assert found["V16"] == ["tests/test_a.py::test_v3_v7_blocks", "tests/test_a.py::test_rows"]
    assert found["R27"] == ["tests/test_a.py::test_rows"]


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
