"""The curated public API: exactly these names are exported by ``netemu``, ``netemu.route53`` and
``netemu.vpc``, and each one resolves to a real object. Adding or dropping a name is a decision:
change the list here with it."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import types

import pytest

from tests.helpers import ROOT

EXPECTED = {
    "netemu": {
        "__version__", "route53", "vpc", "LoadError", "NetemuError", "load_zone_files",
        "compile_zones", "answer", "load_topology_file", "Flow", "trace",
    },
    "netemu.route53": {
        "ALL_HEALTHY", "AliasTarget", "Answer", "CidrCollection", "ClientContext",
        "CompiledZones", "HealthCheck", "HealthCheckConfig", "HealthSnapshot", "HostedZone",
        "Question", "RRsetRef", "Rcode", "RecordSet", "VpcAssociation", "ZoneSet", "answer",
        "compile_zones", "load_zone_files", "load_zone_text", "render_value",
    },
    "netemu.vpc": {
        "QUOTAS", "Blocker", "Flow", "Hop", "Instance", "InternetHost", "NatGateway", "Peering",
        "RouteTable", "RouteTarget", "SecurityGroup", "Subnet", "Topology", "Trace",
        "TraceError", "TransitGateway", "Vpc", "hop_mtu", "load_topology", "load_topology_file",
        "path_mtu", "target_mtu", "trace",
    },
}


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_exports_exactly_the_curated_names(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(exported) == len(set(exported)), f"{package}.__all__ repeats a name"
    assert set(exported) == EXPECTED[package]


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, f"{package}.{name}"
    # a star import gives exactly __all__ (and so fails on a listed name that does not resolve)
    space: dict[str, object] = {}
    exec(f"from {package} import *", space)   # the statement under test
    assert set(space) - {"__builtins__"} == set(module.__all__)


def test_top_level_names_are_the_ones_of_the_layers() -> None:
    import netemu
    from netemu import errors, route53, vpc
    from netemu.vpc import trace as trace_module

    assert netemu.route53 is route53 and netemu.vpc is vpc
    assert isinstance(netemu.route53, types.ModuleType)
    assert netemu.LoadError is errors.LoadError and netemu.NetemuError is errors.NetemuError
    assert netemu.load_zone_files is route53.load_zone_files
    assert netemu.compile_zones is route53.compile_zones and netemu.answer is route53.answer
    assert netemu.load_topology_file is vpc.load_topology_file and netemu.Flow is vpc.Flow
    assert netemu.trace is trace_module.trace and inspect.isfunction(netemu.trace)
    assert "trace" in dir(netemu)
    with pytest.raises(AttributeError):
        netemu.no_such_name  # noqa: B018


@pytest.mark.slow  # a subprocess: a fresh interpreter
def test_importing_netemu_loads_no_layer() -> None:
    """The top-level names resolve lazily: ``import netemu`` alone imports neither layer."""
    code = ("import sys, netemu; "
            "print(sorted(m for m in sys.modules if m.startswith('netemu')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "['netemu']"
