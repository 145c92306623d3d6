"""Shared by the benchmarks: the machine, the date, the command, and RESULTS.md sections.

Each benchmark owns one section of benchmarks/RESULTS.md, between
``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; running one benchmark
replaces its own section and leaves the others as they were.

The README's Benchmarks table is written from these sections by ``make readme-figures``
(scripts/readme_figures.py): it reads each section's machine, date and command lines and its tables,
so run it after a benchmark rewrote its section (tests/test_readme_figures.py fails until then).
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADER = """# Benchmark results

Run on demand (not collected by pytest). Each section says the machine, the date and the
exact command; rerun that command to refresh the section.
"""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    try:
        import psutil

        return psutil.virtual_memory().total / 2**30
    except ImportError:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def machine_line() -> str:
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {ram_gib():.1f} GiB RAM, "
            f"{cpu_model()}; {platform.system()} {platform.release()}; Python {platform.python_version()}")


def command_line() -> str:
    exe = os.path.relpath(sys.executable, Path.cwd()) if sys.executable.startswith(str(Path.cwd())) else sys.executable
    script = os.path.relpath(os.path.abspath(sys.argv[0]), Path.cwd())
    return shlex.join([exe, script, *sys.argv[1:]])


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def table(headers: list[str], rows: list[list[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) this benchmark's section of RESULTS.md."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    found = pattern.search(text)
    text = pattern.sub(lambda _m: block, text) if found else text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
