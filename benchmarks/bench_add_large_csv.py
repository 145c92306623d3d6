"""A valid 1 GB CSV added in streaming (issue 26): peak memory under 2 GB, and the wall time.

Generates a CSV shaped like the demo data (``workbench.demo.dataset``: message id, contributor,
date, neighbourhood, age band, language, text, label) of about ``--gb`` gigabytes in a temporary
folder, makes a project whose ``[limits] data_file_mb`` allows it, then runs ``workbench data add``
in a fresh process pinned to 2 cores (``taskset``, where present). Measures the child's wall time and
peak resident memory (``/usr/bin/time -v`` when present, else ``getrusage(RUSAGE_CHILDREN)``), checks
the stored file's hash and the logged row count, prints a table row and writes its section of
benchmarks/RESULTS.md unless ``--no-write``.

    .venv/bin/python benchmarks/bench_add_large_csv.py [--gb 1.0] [--no-write]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MB = 2000.0


def make_csv(path: Path, gb: float) -> tuple[int, int, str]:
    """Write ~``gb`` GB of demo-shaped rows (unique message ids); returns (bytes, rows, sha256)."""
    from workbench.demo.dataset import generate_rows, to_csv

    block = to_csv(generate_rows(20_000, seed=11, contributors=2_000))
    header, body = block.split(b"\n", 1)
    per_block = body.count(b"\n")
    want = int(gb * 1e9)
    digest, size, rows, b = hashlib.sha256(), 0, 0, 0
    with open(path, "wb") as fh:
        for chunk in (header + b"\n",):
            fh.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        while size < want:
            chunk = (b"\n" + body).replace(b"\nm-", b"\nm%d-" % b)[1:]  # message ids stay unique
            fh.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            rows += per_block
            b += 1
    return size, rows, digest.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0, help="size of the CSV in GB (default 1.0)")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    args = ap.parse_args()
    from benchmarks import _results
    from workbench.cli import run_cli

    tmp = Path(tempfile.mkdtemp(prefix="bench-add-csv-"))
    try:
        src = tmp / "messages.csv"
        t0 = time.monotonic()
        size, rows, sha = make_csv(src, args.gb)
        print(f"generated {size / 1e9:.2f} GB, {rows:,} rows in {time.monotonic() - t0:.0f} s", flush=True)
        proj = tmp / "p"
        assert run_cli(["init", str(proj), "--name", "Large CSV"])[0] == 0
        toml = proj / "workbench.toml"
        text = toml.read_text()
        limit_mb = max(1000, int(size / 1e6) + 100)
        toml.write_text(re.sub(r"data_file_mb = \d+", f"data_file_mb = {limit_mb}", text))
        cmd = [str(Path(sys.executable).with_name("workbench")), "data", "add", str(proj), str(src),
               "--contributor-col", "contributor_id", "--target", "label", "--group", "neighbourhood",
               "--group", "age_band", "--text", "text"]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0,1", *cmd]
        timed = Path("/usr/bin/time").exists()
        if timed:
            cmd = ["/usr/bin/time", "-v", *cmd]
        start = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.monotonic() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if timed:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            peak_kb = int(m.group(1)) if m else peak_kb
        print(done.stdout.strip())
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        import workbench
        from workbench.curation.importer import current

        with workbench.open(proj) as project:
            ds = current(project.store)
            stored_ok = ds.sha256 == sha and ds.rows == rows and (project.data_dir / ds.file).stat().st_size == size
        peak_mb = peak_kb / 1024
        row = [f"{size / 1e9:.2f} GB", f"{rows:,}", f"{seconds:.1f}", f"{peak_mb:,.0f}",
               "yes" if peak_mb < TARGET_MB else "no", "yes" if stored_ok else "NO"]
        body = (f"## A valid 1 GB CSV added in streaming (issue 26) ({_results.now()})\n\n{_results.machine_line()}\n\n"
                f"`{_results.command_line()}`\n\n`workbench data add` in a fresh process pinned to 2 cores; wall "
                f"seconds and peak RSS of that process (target: under {TARGET_MB:,.0f} MB).\n\n"
                + _results.table(["file", "rows", "seconds", "peak MB", "in target", "hash and rows logged"], [row]))
        print(body)
        if not args.no_write:
            _results.write_section("bench_add_large_csv", body)
        return 0 if stored_ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
