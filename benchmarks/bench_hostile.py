"""Hostile inputs (issue 26): every one answered within 10 s and 500 MB of memory on 2 cores.

Each input is generated here (small on disk, huge once expanded, or a pipe, a link, a lie in a header),
then handed to the command a facilitator would run, in a fresh Python process pinned to two cores: the
command's wall time (imports included) and the process's peak resident memory (``VmHWM``, read by
the process itself at the end) are measured per input, with a hard kill at ``--timeout`` seconds. The
first row is the bare interpreter with the workbench imported (``workbench --version``): the floor every
other row stands on. The skops model is loaded by ``evaluation.artifacts.load_model``, the call
``workbench federate evaluate`` makes on a visitor's model. Prints a table; writes its section of
benchmarks/RESULTS.md unless ``--no-write``.

    .venv/bin/python benchmarks/bench_hostile.py [--timeout 60] [--no-write]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS, TARGET_MB = 10.0, 500.0
HEADER = "contributor_id,date,choices,method,witness\n"


# -- the child: one input, measured by the process that answers it ------------------------------------------
def child(spec: dict) -> None:
    start = time.monotonic()
    if spec["op"] == "cli":
        from workbench.cli import run_cli

        code, out, err = run_cli(spec["argv"])
        rows = [line.strip() for line in out.splitlines() if line.startswith("  row ")]  # consent import's reasons
        said = (rows or err.strip().splitlines() or out.strip().splitlines() or [""])[0]
    else:  # load a skops model as federate evaluate does
        from workbench.errors import WorkbenchError
        from workbench.evaluation.artifacts import load_model

        try:
            load_model(spec["path"])
            code, said = 0, "loaded"
        except WorkbenchError as exc:
            code, said = 2, "error: " + exc.sentence
    seconds = time.monotonic() - start
    print(json.dumps({"code": code, "said": said, "seconds": seconds, "peak_mb": _peak_mb()}))


def _peak_mb() -> float:
    """This process's peak resident memory since exec (VmHWM; ru_maxrss would carry the parent's from fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- inputs --------------------------------------------------------------------------------------------------
def _xlsx_far_cell(header: list[str]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet["XFD1048576"] = "x"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _skops_bomb(folder: Path, declared: tuple, zeros: int, name: str) -> Path:
    """A real LogisticRegression saved by skops, its first array swapped for ``zeros`` deflated zero bytes."""
    from tests.hostile_support import skops_model, swap_array

    return swap_array(skops_model(folder), folder / name, declared, zeros)


def _bundles(folder: Path) -> dict[str, Path]:
    from tests.consent_support import make_scope
    from workbench.consent.scope import publish
    from workbench.federation import _format as F
    from workbench.federation import keys
    from workbench.federation.bundle import export_bundle
    from workbench.project import Project

    root = folder / "bundler"
    p = Project.init(root, "Bench co-op", ["en"], "BR", "Sort messages.", "sqlite:///store.db")
    publish(p.store, make_scope())
    keys.init_keys(p)
    good = export_bundle(p, folder / "good.zip").path
    p.close()
    with zipfile.ZipFile(good) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}

    def write(name: str, body: bytes | None = None, sig: bytes | None = None) -> Path:
        out = folder / name
        parts = dict(members)
        if body is not None:
            parts[F.MANIFEST] = body
            parts[F.SIGNATURE] = sig if sig is not None else base64.b64encode(keys.sign(root, body)) + b"\n"
        elif sig is not None:
            parts[F.SIGNATURE] = sig
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, data in parts.items():
                zf.writestr(n, data)
        return out

    manifest = json.loads(members[F.MANIFEST])
    manifest["signer"] = "trust me"
    escaped = json.loads(members[F.MANIFEST])
    escaped["community"]["name"] = "Evil\x1b[2J\x1b]0;owned\x07 co-op"
    return {"signer": write("signer.zip", F.manifest_bytes(manifest)),
            "deep": write("deep.zip", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
            "bigsig": write("bigsig.zip", sig=b"A" * 5000),
            "escaped": write("escaped.zip", F.manifest_bytes(escaped))}


def inputs(folder: Path) -> list[tuple[str, dict]]:
    from tests.consent_support import make_scope, new_project
    from workbench.cli import run_cli
    from workbench.consent.scope import publish

    data = folder / "data-project"
    assert run_cli(["init", str(data), "--name", "Bench"])[0] == 0
    consent = new_project(folder, "consent-project")
    publish(consent.store, make_scope())
    consent.close()
    files = folder / "in"
    files.mkdir()

    def put(name: str, content: bytes) -> str:
        path = files / name
        path.write_bytes(content)
        return str(path)

    def data_add(path: str, *extra: str) -> dict:
        return {"op": "cli", "argv": ["data", "add", str(data), path, "--contributor-col", "contributor_id", *extra]}

    def consent_import(path: str) -> dict:
        return {"op": "cli", "argv": ["consent", "import", str(consent.root), path]}

    fifo = files / "pipe.csv"
    os.mkfifo(fifo)
    secret = put("secret.txt", b"TOPSECRET first line\n")
    link = files / "link.csv"
    link.symlink_to(secret)
    sparse = files / "huge.csv"
    with open(sparse, "wb") as fh:  # 1.1 GB on paper, no blocks on disk
        fh.write(b"contributor_id,text\n")
        fh.truncate(1_100_000_000)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"contributor_id": ["c-1", "c-2"], "tags": [["a"], ["b", "c"]]}), files / "nested.parquet")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["contributor_id", "text"])
    book.active.append(["c-1", "hello", "stray", "cells"])
    book.save(files / "wider.xlsx")
    escapes = b"contributor_id,hood,label\n" + b"".join(
        b"c-%d,\x1b[2J\x1b]0;owned\x07north,%s\n" % (i, b"urgent" if i % 2 else b"routine") for i in range(30))
    bundles = _bundles(folder)
    return [
        ("(floor) workbench --version", {"op": "cli", "argv": ["--version"]}),
        ("data add: .xlsx, one cell at XFD1048576 (5 KB)",
         data_add(put("far.xlsx", _xlsx_far_cell(["contributor_id", "text"])))),
        ("data add: /dev/zero", data_add("/dev/zero")),
        ("data add: a FIFO nobody writes to", data_add(str(fifo))),
        ("data add: a symlink to a secret", data_add(str(link))),
        ("data add: 1.1 GB CSV (sparse)", data_add(str(sparse))),
        ("data add: nested Parquet", data_add(str(files / "nested.parquet"))),
        ("data add: .xlsx row wider than its header", data_add(str(files / "wider.xlsx"))),
        ("data add: CR-only line endings (accepted)",
         data_add(put("cr.csv", b"contributor_id,text\rc-1,a\rc-2,b\r"))),
        ("data add: UTF-32", data_add(put("u32.csv", "contributor_id,text\nc-1,a\n".encode("utf-32")))),
        ("data add: NUL after the first 64 KB",
         data_add(put("nul.csv", b"contributor_id,text\n" + b"c-1,water is late again\n" * 4000 + b"c-2,x\x00y\n"))),
        ("data add: ESC sequence in a header",
         data_add(put("esc.csv", b"contributor_id,te\x1b[2Jxt\nc-1,a\nc-2,b\n"))),
        ("data add: ESC sequences in cells and file name (accepted)",
         data_add(put("evil\x1b[2J.csv", escapes), "--group", "hood", "--target", "label")),
        ("data profile: those cells printed", {"op": "cli", "argv": ["data", "profile", str(data)]}),
        ("consent import: 1,000,000 rows", consent_import(put("million.csv", HEADER.encode()
                                                                + b"c-1,2026-01-10,train,paper,f-ana\n" * 100_000
                                                                + b"c,x,y\n" * 900_000))),
        ("consent import: 20,000 good rows (the limit; accepted)",
         consent_import(put("limit.csv", HEADER.encode() + b"".join(
             b"k-%d,2026-01-10,train,paper,f-ana\n" % i for i in range(20_000))))),
        ("consent import: .xlsx, one cell at XFD1048576",
         consent_import(put("far-records.xlsx", _xlsx_far_cell(HEADER.strip().split(","))))),
        ("consent import: a FIFO", consent_import(str(fifo))),
        ("consent import: 11 MB file", consent_import(put("big.csv", HEADER.encode() + b"c-1,2026-01-10,train,paper,"
                                                          + b"w" * 11_000_000 + b"\n"))),
        ("consent import: grant dated 1900", consent_import(put("y1900.csv", (HEADER + "c-1,1900-01-01,train,paper,"
                                                                              "f-ana\n").encode()))),
        ("consent import: 0001-01-01T00:00+05:00",
         consent_import(put("edge.csv", (HEADER + "c-1,0001-01-01T00:00:00+05:00,train,paper,f-ana\n").encode()))),
        ("consent import: withdrawal before its grant",
         consent_import(put("wd.csv", (HEADER + "c-2,2026-02-10,train,paper,f-ana\n"
                                       "c-2,2026-02-01,withdrawn,paper,f-ana\n").encode()))),
        ("bundle verify: signer is a string", {"op": "cli", "argv": ["bundle", "verify", str(bundles["signer"])]}),
        ("bundle verify: manifest nested 100,000 deep",
         {"op": "cli", "argv": ["bundle", "verify", str(bundles["deep"])]}),
        ("bundle verify: 5 KB signature", {"op": "cli", "argv": ["bundle", "verify", str(bundles["bigsig"])]}),
        ("bundle verify: ESC in community name (accepted)",
         {"op": "cli", "argv": ["bundle", "verify", str(bundles["escaped"])]}),
        ("load_model: skops, 3 GB of zeros deflated",
         {"op": "load", "path": str(_skops_bomb(folder, (375_000_000,), 3_000_000_000, "bomb.skops"))}),
        ("load_model: skops header declaring 80 GB",
         {"op": "load", "path": str(_skops_bomb(folder, (10**10,), 16, "liar.skops"))}),
    ]


def run_one(spec: dict, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=ROOT,
                              preexec_fn=lambda: os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2]))
    except subprocess.TimeoutExpired:
        return {"code": "killed", "said": f"no answer in {timeout:.0f} s", "seconds": timeout, "peak_mb": float("nan")}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"code": done.returncode, "said": tail, "seconds": time.monotonic() - start, "peak_mb": float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=60.0, help="kill an input's process after this many seconds")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    from benchmarks import _results

    rows, misses = [], 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        made = time.monotonic()
        cases = inputs(Path(tmp))
        print(f"{len(cases) - 1} hostile inputs made in {time.monotonic() - made:.1f} s", file=sys.stderr)
        for name, spec in cases:
            r = run_one(spec, args.timeout)
            ok = r["code"] != "killed" and r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
            misses += not ok
            said = str(r["said"]).replace("|", "\\|")
            said = said if len(said) <= 110 else said[:109] + "…"
            rows.append([name, r["code"], f"{r['seconds']:.2f}", f"{r['peak_mb']:.0f}", "yes" if ok else "**no**",
                         said])
            print(f"{name:<58} exit {r['code']!s:<6} {r['seconds']:6.2f} s {r['peak_mb']:7.0f} MB  {said[:90]}",
                  file=sys.stderr)
    body = (f"## Hostile inputs (issue 26) ({_results.now()})\n\n{_results.machine_line()}\n\n"
            f"`{_results.command_line()}`\n\nEach input in a fresh process pinned to 2 cores; seconds and peak RSS "
            f"are that process's own (Python, imports and the answer). Target: {TARGET_SECONDS:.0f} s and "
            f"{TARGET_MB:.0f} MB each. Inputs over target: {misses}.\n\n"
            + _results.table(["input", "exit", "seconds", "peak MB", "in target", "first line said"], rows))
    print(body)
    if not args.no_write:
        _results.write_section("bench_hostile", body)


if __name__ == "__main__":
    main()
