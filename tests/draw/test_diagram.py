"""``netemu draw`` and ``netemu trace --draw``: the diagram of every shipped topology names every
VPC, subnet and instance, and a traced diagram marks the dropping hop with its reason. The SVGs
are rendered by the real Graphviz (Debian package graphviz) through the command line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netemu.vpc.diagram import DROP_COLOUR, FORWARD_COLOUR, RETURN_COLOUR, dot, quote
from netemu.vpc.load import load_topology_file
from netemu.vpc.trace import Flow, trace
from tests.helpers import ROOT, run_netemu

TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (scripts/setup.sh)")


def svg_texts(svg: str) -> str:
    """Every text run of the SVG, unescaped, joined by newlines (what a reader sees)."""
    import html

    return "\n".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


@needs_dot
@pytest.mark.slow
@pytest.mark.parametrize("path", TOPOLOGIES, ids=lambda p: p.stem)
def test_every_shipped_topology_draws_every_vpc_subnet_and_instance(path: Path,
                                                                    tmp_path: Path) -> None:
    topology = load_topology_file(path)
    out = tmp_path / f"{path.stem}.svg"
    r = run_netemu("draw", str(path), "-o", str(out))
    assert r.returncode == 0, r.stderr
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    texts = svg_texts(svg)
    words = set(re.split(r"\s+", texts))
    missing = [f"VPC {v.name}" for v in topology.vpcs if f"VPC {v.name}" not in texts]
    missing += [f"subnet {s.name}" for v in topology.vpcs for s in v.subnets
                if s.name not in words]
    missing += [f"instance {i.name}" for v in topology.vpcs for i in v.instances
                if i.name not in words]
    missing += [f"transit gateway {t.name}" for t in topology.transit_gateways
                if t.name not in words]
    missing += [f"peering {p.name}" for p in topology.peerings if p.name not in words]
    assert not missing, f"{path.name}: not on the diagram: {missing}"
    assert f"Region {topology.region}" in texts


@needs_dot
@pytest.mark.slow
def test_png_and_stdout(tmp_path: Path) -> None:
    png = tmp_path / "d.png"
    r = run_netemu("draw", "topologies/peering.yaml", "-o", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run_netemu("draw", "topologies/peering.yaml")
    assert r.returncode == 0 and "</svg>" in r.stdout


def drop_group(svg: str) -> str:
    m = re.search(r'<g id="netemu&#45;drop&#45;F" class="node netemu&#45;drop">(.*?)</g>\s*<!--',
                  svg, re.DOTALL)
    assert m, "no drop note in the SVG"
    return m.group(1)


@needs_dot
@pytest.mark.slow
def test_traced_diagram_marks_the_dropping_nacl_hop_V33(tmp_path: Path) -> None:
    """web1 -> db1:5432 in three-tier is dropped by the custom NACL ``data`` inbound (a custom
    NACL denies what its rules do not allow, V33): the drop note names it, its reason and code,
    and db1 (whose subnet's NACL it is) is styled as the dropping hop."""
    out = tmp_path / "t.svg"
    r = run_netemu("draw", "topologies/three-tier.yaml", "--trace", "web1", "db1",
                   "--port", "5432", "-o", str(out))
    assert r.returncode == 0, r.stderr
    svg = out.read_text()
    note = svg_texts(drop_group(svg))
    assert "DROPPED (forward hop 4)" in note
    assert "network-acl data [SUBNET_ACL_RESTRICTION]" in note
    assert "final rule * (32767) denies it" in note.replace("\n", " ")
    # the dropped-at node: db1, drawn red with a double border
    node = re.search(r'<g id="node\d+" class="node netemu&#45;drop&#45;hop">\s*<title>([^<]*)'
                     r'</title>(.*?)</g>', svg, re.DOTALL)
    assert node and node.group(1) == "i:shop/db1"
    assert node.group(2).count(f'stroke="{DROP_COLOUR}"') >= 2
    # the forward path is drawn (blue edges), no return path (the request never arrives)
    assert f'stroke="{FORWARD_COLOUR}"' in svg and f'stroke="{RETURN_COLOUR}"' not in svg


@needs_dot
@pytest.mark.slow
def test_trace_draw_option_draws_both_paths_V75(tmp_path: Path) -> None:
    """``netemu trace --draw``: dev1 -> internet through the transit gateway hub (transitive,
    V75), the shared VPC's NAT gateway and internet gateway; both paths in colour, no drop."""
    out = tmp_path / "t.svg"
    r = run_netemu("trace", "topologies/transit-gateway.yaml", "--from", "dev1", "--to",
                   "internet", "--port", "443", "--draw", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "REACHABLE" in r.stdout   # the text output is unchanged
    svg = out.read_text()
    assert f'stroke="{FORWARD_COLOUR}"' in svg and f'stroke="{RETURN_COLOUR}"' in svg
    assert "netemu&#45;drop" not in svg
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert "tgw:hub&#45;&gt;nat:shared/nat" in titles or "vpc:shared&#45;&gt;nat:shared/nat" \
        in titles, "the path does not reach the NAT gateway"


@needs_dot
@pytest.mark.slow
def test_trace_draw_of_an_unreachable_flow_keeps_exit_2_and_marks_the_blackhole_V77(
        tmp_path: Path) -> None:
    """dev1 -> prod1: the dev TGW route table blackholes 10.2.0.0/16 (V77): the drop is at the
    transit gateway, and trace still exits 2."""
    out = tmp_path / "t.png"
    r = run_netemu("trace", "topologies/transit-gateway.yaml", "--from", "dev1", "--to",
                   "prod1", "--port", "443", "--draw", str(out), "--json")
    assert r.returncode == 2, r.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    topology = load_topology_file(ROOT / "topologies/transit-gateway.yaml")
    text = dot(topology, trace(topology, Flow("dev1", "prod1", "tcp", 443)))
    assert re.search(r'^  "tgw:hub" \[color="#cf222e"', text, re.MULTILINE)
    assert "blackhole" in text.split('"drop:F')[1]


def test_dot_quotes_user_names() -> None:
    """Names are user input: quotes and backslashes cannot end a DOT string or become a
    Graphviz escape (``\\N``)."""
    assert quote('a"b\\N\nc') == '"a\\"b\\\\N\\nc"'


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    r = run_netemu("draw", "topologies/peering.yaml", "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 1
    assert "unknown diagram format 'txt'" in r.stderr and "x.txt" in r.stderr


def _cluster_parents(text: str) -> dict[str, str]:
    """Each cluster's enclosing cluster ('' at the top), from the DOT text's nesting."""
    parents: dict[str, str] = {}
    stack: list[str] = []
    for line in text.splitlines():
        m = re.match(r'\s*subgraph "(cluster_[^"]*)" \{', line)
        if m:
            parents[m.group(1)] = stack[-1] if stack else ""
            stack.append(m.group(1))
        elif line.strip() == "}" and stack:
            stack.pop()
    return parents


@pytest.mark.parametrize("path", TOPOLOGIES, ids=lambda p: p.stem)
def test_boxes_nest_region_vpc_az_subnet(path: Path) -> None:
    """Pure (no Graphviz): Region -> VPC -> Availability Zone -> subnet, each instance declared
    inside its subnet's box."""
    topology = load_topology_file(path)
    text = dot(topology)
    parents = _cluster_parents(text)
    region = f"cluster_region_{topology.region}"
    assert parents[region] == ""
    for v in topology.vpcs:
        assert parents[f"cluster_vpc_{v.name}"] == region
        for s in v.subnets:
            az = f"cluster_az_{v.name}_{s.az}"
            assert parents[az] == f"cluster_vpc_{v.name}"
            box = f"cluster_subnet_{v.name}_{s.name}"
            assert parents[box] == az
            body = text.split(f'subgraph "{box}" {{', 1)[1].split("\n        }", 1)[0]
            for i in v.instances:
                assert (f'"i:{v.name}/{i.name}"' in body) == (i.subnet == s.name), (box, i.name)


def test_return_path_drop_is_at_the_responder_V34() -> None:
    """sg-vs-nacl: client -> strict:443 gets in, but NACLs are stateless (V34): the reply to
    port 40000 is denied by the strict NACL's outbound rules, before it leaves strict: the drop
    is marked at strict, the responder, not at the client, and no reply edge is drawn."""
    topology = load_topology_file(ROOT / "topologies/sg-vs-nacl.yaml")
    result = trace(topology, Flow("client", "strict", "tcp", 443))
    assert not result.reachable and result.return_path
    text = dot(topology, result)
    marked = re.findall(r'^  "([^"]+)" \[color="#cf222e", penwidth="4"', text, re.MULTILINE)
    assert marked == ["i:lab/strict"]
    note = text.split('"drop:R', 1)[1].split("\n", 1)[0]
    assert "DROPPED (return hop" in note and "network-acl strict" in note
    assert '"drop:F' not in text
    assert f'color="{RETURN_COLOUR}"' not in text and f'color="{FORWARD_COLOUR}"' in text
