"""The README's benchmark figures are what benchmarks/RESULTS.md holds (issue 22).

``make readme-figures`` (scripts/readme_figures.py) writes the README's Benchmarks table from RESULTS.md;
``--check`` fails when the README is not what RESULTS.md gives, so a figure typed by hand, or left behind
when a benchmark rewrote its section, fails here. As a second, independent look, every figure in the table
must be held by RESULTS.md: a number that rounds to it at the README's precision, in the same unit or a
thousand times smaller or larger (ms quoted as s), unless the script computed it from held figures (a
ratio, a sum). Dates and backticked commands are not figures.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "readme_figures.py"
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])")
# Commands, dates, commit ids, issue numbers and targets (what we aim for, not what we measured).
NOT_FIGURES = re.compile(r"`[^`]*`|\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC|\d{4}-\d{2}-\d{2}|\b[0-9a-f]{7,40}\b|issue \d+"
                         r"|target[^;)|]*")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


figures = _load("readme_figures", SCRIPT)
results_writer = _load("benchmarks_results", ROOT / "benchmarks" / "_results.py")  # how benchmarks write RESULTS.md


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(NOT_FIGURES.sub(" ", text))


def _held(token: str, pool: set[Decimal]) -> bool:
    value = Decimal(token.replace(",", ""))
    places = Decimal(1).scaleb(value.as_tuple().exponent) if value.as_tuple().exponent < 0 else Decimal(1)
    for n in pool:
        for scaled in (n, n / 1000, n * 1000):
            if abs(scaled - value) <= places / 2:
                return True
    return False


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_the_readme_is_what_results_md_gives():
    done = _run("--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "README.md: figures match RESULTS.md."


def test_the_benchmarks_table_quotes_only_figures_results_md_holds():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    assert figures.render(readme, results) == readme  # and DERIVED now holds what this render computed
    section = readme.split("\n## Benchmarks", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| what") and not line.startswith("|---")]
    assert len(rows) == len(figures.ROWS), "the README's Benchmarks table is not the generated one"
    pool = {Decimal(t.replace(",", "")) for t in NUMBER.findall(results)}
    unheld = [(tok, row.split("|")[1].strip()[:50]) for row in rows for tok in _numbers(row.split("|")[2])
              if tok not in figures.DERIVED and not _held(tok, pool)]
    assert not unheld, f"README figures that benchmarks/RESULTS.md does not hold: {unheld}"


def test_every_row_names_its_section_date_and_machine():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- figures:benchmarks -->\n", 1)[1].split("<!-- /figures:benchmarks -->", 1)[0]
    rows = block.splitlines()[2:]
    for row, spec in zip(rows, figures.ROWS, strict=True):
        measured = row.split("|")[3]
        assert f"`{spec.section}`" in measured
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, \d+ CPUs, [\d.]+ GiB, \w", measured), row
        assert "`python benchmarks/bench_" in row.split("|")[1], row


# --- on copies: a changed RESULTS.md changes the README; a missing section is one clear error ---------------


@pytest.fixture
def copies(tmp_path):
    readme, results = tmp_path / "README.md", tmp_path / "RESULTS.md"
    readme.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    results.write_text((ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8"), encoding="utf-8")
    return readme, results


def _store_section(events_per_s: str, raw_per_s: str, p99: str = "87.9") -> str:
    """A bench_store section as benchmarks/_results.py writes one."""
    head = ["writer", "writers", "wall s", "events/s", "p50 ms", "p95 ms", "p99 ms", "worst ms", "acknowledged",
            "found after", "lost", "saved, not acked", "refused (NotSaved)", "verify()"]
    return "\n".join([
        "## Event store: concurrent writer processes (`bench_store.py`)", "",
        "- Machine: 2 CPUs (nproc 2), 23.5 GiB RAM, Intel(R) Xeon(R) Processor; Linux 6.18; Python 3.11.7",
        "- Date: 2027-01-02 03:04 UTC",
        "- Command: `.venv/bin/python benchmarks/bench_store.py --writers 60`",
        "- Load average (1 / 5 / 15 min): 1.25 / 1.00 / 0.50 before, 2.00 / 1.00 / 0.50 after", "",
        results_writer.table(head, [["as-is", 60, 5.0, events_per_s, 1.0, 2.0, p99, 300, 10, 10, 0, 0, 0, "OK"],
                     ["raw-sqlite3", 60, 5.0, raw_per_s, 0.2, 0.3, 179.9, 4794, 20, 20, 0, 0, 0, "OK"]]),
    ])


def test_a_changed_number_in_results_md_changes_the_readme_and_check_says_so(copies):
    readme, results = copies
    results_writer.write_section("bench_store", _store_section("2,345", "4,000", p99="64.2"), path=results)
    args = ["--readme", str(readme), "--results", str(results)]
    before = readme.read_text(encoding="utf-8")

    done = _run("--check", *args)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "run `make readme-figures`" in done.stderr, done.stderr
    assert readme.read_text(encoding="utf-8") == before  # --check writes nothing

    assert _run(*args).returncode == 0
    after = readme.read_text(encoding="utf-8")
    row = next(line for line in after.splitlines() if line.startswith("| store, 60 writer processes"))
    assert "2,345 events/s, p99 64 ms" in row and "4,000 events/s" in row
    assert "0.59x raw (target 0.5x at p99 100 ms: met)" in row
    assert "2027-01-02 03:04 UTC, 2 CPUs, 23.5 GiB, Intel Xeon, load 1.3" in row
    assert "951 events/s" not in after
    # only that row changed
    changed = [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0].startswith("| store, 60 writer processes")

    assert _run("--check", *args).returncode == 0
    assert _run(*args).returncode == 0
    assert readme.read_text(encoding="utf-8") == after  # twice changes nothing


def test_a_figure_typed_into_the_readme_by_hand_fails_the_check(copies):
    readme, results = copies
    text = readme.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| store, 60 writer processes"))
    readme.write_text(text.replace(row, row.replace("events/s", "events/s (9,999 at best)", 1)), encoding="utf-8")
    done = _run("--check", "--readme", str(readme), "--results", str(results))
    assert done.returncode == 1
    assert "| store, 60 writer processes" in done.stderr


def test_a_missing_section_is_one_clear_error(copies):
    readme, results = copies
    text = results.read_text(encoding="utf-8")
    start, end = text.index("<!-- bench_consent:start -->"), text.index("<!-- bench_consent:end -->")
    results.write_text(text[:start] + text[end + len("<!-- bench_consent:end -->"):], encoding="utf-8")
    before = readme.read_text(encoding="utf-8")
    done = _run("--readme", str(readme), "--results", str(results))
    assert done.returncode == 2
    assert done.stderr == ("error: benchmarks/RESULTS.md has no section 'bench_consent' (the README row "
                           "'consent mask, 1M rows, text / categorical ids'); run its benchmark or fix the mapping "
                           "in scripts/readme_figures.py.\n")
    assert readme.read_text(encoding="utf-8") == before


def test_a_missing_row_or_column_names_the_section():
    text = "<!-- bench_store:start -->\n" + _store_section("1,000", "2,000") + "\n<!-- bench_store:end -->\n"
    found = figures.sections(text)
    assert figures.ROWS[2].section == "bench_store"
    assert "1,000 events/s" in figures.ROWS[2].result(found["bench_store"])
    no_raw = figures.sections(text.replace("| raw-sqlite3 |", "| raw |"))
    with pytest.raises(figures.FiguresError, match=r"section 'bench_store' has 0 rows with writer = 'raw-sqlite3'"):
        figures.ROWS[2].result(no_raw["bench_store"])
    no_p99 = figures.sections(text.replace("| p99 ms |", "| p99.9 ms |"))
    with pytest.raises(figures.FiguresError, match=r"section 'bench_store' has no column 'p99 ms'"):
        figures.ROWS[2].result(no_p99["bench_store"])


def test_a_readme_without_its_markers_is_refused():
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    with pytest.raises(figures.FiguresError, match=r"README.md has no region <!-- figures:benchmarks -->"):
        figures.render("# A README\n\n| what | result |\n", results)
    with pytest.raises(figures.FiguresError, match=r"'figures:other' that scripts/readme_figures.py does not know"):
        figures.render("<!-- figures:benchmarks -->\n<!-- /figures:benchmarks -->\n"
                       "<!-- figures:other -->\n<!-- /figures:other -->\n", results)
