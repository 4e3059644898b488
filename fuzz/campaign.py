"""A bounded fuzz campaign over netemu's entry points; prints what it did.

    .venv/bin/python fuzz/campaign.py --target wire --runs 1000000 --seconds 1200
    .venv/bin/python fuzz/campaign.py --target all --runs 100000 --seconds 300

Targets (``fuzz/targets.py``): ``wire`` (decode -> answer -> encode), ``zone`` and ``topology``
(the loaders), ``api`` (HTTP request parsing and dispatch). With atheris installed
(``pip install atheris``) the campaign is coverage-guided (libFuzzer over instrumented
bytecode), starts from ``fuzz/corpus/TARGET`` plus the seeds of ``fuzz/seeds.py``, and merges
the inputs that reached new coverage back into ``fuzz/corpus/TARGET``. Without atheris it falls
back to byte-level mutation of the same corpus (not guided). Either way it ends with the number
of inputs tried, the crashes found (saved under ``fuzz/crashes/``, which git ignores) and the
line coverage that the kept corpus reaches in the target's modules, measured by coverage.py.
Bounded: at most ``--runs`` inputs and ``--seconds`` seconds per target.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

MODULES = {   # what each target's coverage figure is measured over
    "wire": ["netemu/dns/codec.py", "netemu/dns/handler.py", "netemu/route53/engine.py",
             "netemu/route53/lookup.py", "netemu/route53/policies/*.py",
             "netemu/route53/client.py", "netemu/route53/names.py"],
    "zone": ["netemu/route53/load.py", "netemu/route53/readers.py", "netemu/route53/rules.py",
             "netemu/route53/rdata.py", "netemu/route53/bind.py", "netemu/route53/names.py"],
    "topology": ["netemu/vpc/load.py", "netemu/vpc/draft.py", "netemu/vpc/validate.py",
                 "netemu/vpc/shape.py", "netemu/vpc/build.py", "netemu/vpc/dns.py"],
    "api": ["netemu/api/route53.py", "netemu/api/xml.py", "netemu/api/http.py",
            "netemu/api/account.py", "netemu/route53/changes.py"],
}
MAX_LEN = {"wire": 1024, "zone": 8192, "topology": 8192, "api": 4096}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", choices=[*MODULES, "all"], default="wire")
    p.add_argument("--runs", type=int, default=1_000_000, help="inputs per target (at most)")
    p.add_argument("--seconds", type=int, default=600, help="time per target (at most)")
    p.add_argument("--engine", choices=("auto", "atheris", "mutate"), default="auto")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--worker", help=argparse.SUPPRESS)       # the atheris child process
    p.add_argument("--merge", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("corpora", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return _atheris_worker(args)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "mutate"
    targets = list(MODULES) if args.target == "all" else [args.target]
    failed = 0
    for target in targets:
        print(f"== {target}: engine {engine}, at most {args.runs} inputs, {args.seconds} s",
              flush=True)
        run = _atheris if engine == "atheris" else _mutate
        tried, crashes, extra = run(target, args)
        line_cov = _coverage(target)
        print(f"== {target}: {tried} inputs tried, {crashes} crash(es), {extra}"
              f"line coverage of the kept corpus over {', '.join(MODULES[target])}: {line_cov}",
              flush=True)
        failed += crashes
    print("command: " + " ".join([Path(sys.executable).name, "fuzz/campaign.py", *sys.argv[1:]]))
    return 1 if failed else 0


def _has_atheris() -> bool:
    try:
        import atheris  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


# --- atheris (coverage-guided) -------------------------------------------------------------

def _atheris(target: str, args: argparse.Namespace) -> tuple[int, int, str]:
    from fuzz.seeds import seeds

    kept = HERE / "corpus" / target
    kept.mkdir(parents=True, exist_ok=True)
    crashes_dir = HERE / "crashes"
    crashes_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="netemu-fuzz-") as tmp:
        work, seed_dir = Path(tmp) / "work", Path(tmp) / "seeds"
        work.mkdir()
        seed_dir.mkdir()
        for i, data in enumerate(seeds(target)):
            (seed_dir / f"seed-{i:04d}").write_bytes(data)
        # libFuzzer's -merge runs argv[0] again with its own flags: give it a command that is
        # this worker
        worker = Path(tmp) / f"fuzz-{target}"
        worker.write_text(f'#!/bin/sh\nNETEMU_FUZZ_SELF="$0" exec {sys.executable} '
                          f'{HERE / "campaign.py"} --worker {target} -- "$@"\n')
        worker.chmod(0o755)
        cmd = [str(worker),
               f"-runs={args.runs}", f"-max_total_time={args.seconds}", f"-seed={args.seed}",
               f"-max_len={MAX_LEN[target]}", "-print_final_stats=1", "-rss_limit_mb=4096",
               f"-artifact_prefix={crashes_dir}/{target}-", str(work), str(kept),
               str(seed_dir)]
        started = time.monotonic()
        out = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT)
        elapsed = time.monotonic() - started
        log = out.stdout + out.stderr
        tried = _stat(log, r"stat::number_of_executed_units:\s*(\d+)")
        cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", log)
        crashed = out.returncode != 0 or "==ERROR" in log or "Uncaught Python exception" in log
        if crashed:
            lines = log.splitlines()
            first = next((i for i, line in enumerate(lines) if "Uncaught Python" in line), 0)
            print("\n".join(lines[first:first + 30] + lines[-8:]))
        # keep what reached new coverage: merge the run's corpus into fuzz/corpus/TARGET
        merge = subprocess.run(
            [str(worker), "-merge=1",
             f"-max_len={MAX_LEN[target]}", str(kept), str(work), str(seed_dir)],
            check=False, capture_output=True, text=True, cwd=ROOT)
        if merge.returncode != 0:
            print("merge failed:\n" + "\n".join((merge.stdout + merge.stderr).splitlines()[-20:]))
    edges = f"atheris edges {cov[-1][0]}, features {cov[-1][1]}, " if cov else ""
    rate = f"{tried / elapsed:.0f}/s" if elapsed else "?"
    kept_count = sum(1 for _ in kept.iterdir())
    return tried, int(crashed), (f"{elapsed:.0f} s ({rate}), {edges}"
                                 f"{kept_count} inputs kept in fuzz/corpus/{target}, ")


def _stat(log: str, pattern: str) -> int:
    found = re.findall(pattern, log)
    if found:
        return int(found[-1])
    done = re.findall(r"#(\d+)\s+DONE", log) or re.findall(r"#(\d+)\s", log)
    return int(done[-1]) if done else 0


def _atheris_worker(args: argparse.Namespace) -> int:
    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=["netemu", "fuzz.targets"]):
        from fuzz import targets
    func = targets.TARGETS[args.worker]

    def one(data: bytes) -> None:
        func(data)

    atheris.Setup([os.environ.get("NETEMU_FUZZ_SELF", sys.argv[0]), *args.corpora], one)
    atheris.Fuzz()
    return 0


# --- fallback: byte-level mutation -------------------------------------------------------------

def _mutate(target: str, args: argparse.Namespace) -> tuple[int, int, str]:
    from fuzz.seeds import corpus, mutate
    from fuzz.targets import TARGETS

    func = TARGETS[target]
    pool = corpus(target)
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.seconds
    crashes_dir = HERE / "crashes"
    tried = crashes = 0
    started = time.monotonic()
    while tried < args.runs and time.monotonic() < deadline:
        data = pool[tried] if tried < len(pool) else mutate(rng.choice(pool), rng, MAX_LEN[target])
        tried += 1
        try:
            func(data)
        except Exception:  # noqa: BLE001 - any exception is a crash the campaign reports
            crashes += 1
            crashes_dir.mkdir(exist_ok=True)
            (crashes_dir / f"{target}-{crashes:04d}").write_bytes(data)
            if crashes <= 3:
                traceback.print_exc()
    elapsed = time.monotonic() - started
    return tried, crashes, f"{elapsed:.0f} s ({tried / max(elapsed, 1e-9):.0f}/s), unguided, "


# --- coverage of the kept corpus -------------------------------------------------------------

def _coverage(target: str) -> str:
    """Line coverage (coverage.py) that replaying the corpus and seeds reaches in MODULES."""
    code = (
        "import sys, coverage\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"cov = coverage.Coverage(data_file=None, include={MODULES[target]!r})\n"
        "cov.start()\n"
        "from fuzz.seeds import corpus\n"
        "from fuzz.targets import TARGETS\n"
        f"f = TARGETS[{target!r}]\n"
        f"for data in corpus({target!r}):\n"
        "    try:\n        f(data)\n    except Exception:\n        pass\n"
        "cov.stop()\n"
        "import io\n"
        "print('%.1f%%' % cov.report(file=io.StringIO()))\n")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                         text=True, cwd=ROOT)
    lines = out.stdout.strip().splitlines()
    return lines[-1] if out.returncode == 0 and lines else f"unmeasured ({out.stderr[-200:]})"


if __name__ == "__main__":
    sys.exit(main())
