"""Write the README's benchmark figures from benchmarks/RESULTS.md (issue 22): `make readme-figures`.

The README holds generated regions between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->``;
this script renders each from RESULTS.md and puts it in place. Every figure it writes names where it comes
from: a benchmark's section of RESULTS.md (``<!-- bench_x:start -->``, optionally one ``###`` part of it),
a table row (matched by its cells) and a column, or a line of the section's text. Each table row also carries
the machine, the date and the command the section records. Running it twice changes nothing.

    python scripts/readme_figures.py            # rewrite README.md from benchmarks/RESULTS.md
    python scripts/readme_figures.py --check    # exit 1, one line, when README.md is not what RESULTS.md gives

Nothing here holds a measured number: a figure that RESULTS.md does not hold cannot be written, and a section,
row, column or line that is missing stops the script with one sentence naming it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
REGION = re.compile(r"(<!-- figures:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /figures:(?P=name) -->)", re.S)


class FiguresError(Exception):
    """RESULTS.md does not hold what the README asks for, or the README lacks a region."""


# ---------------------------------------------------------------------------------------------- RESULTS.md


@dataclass
class Section:
    """One benchmark's section of RESULTS.md (or one ``###`` part of it)."""

    address: str
    text: str
    tables: list[list[dict[str, str]]] = field(default_factory=list)

    def table(self, number: int) -> list[dict[str, str]]:
        if number >= len(self.tables):
            raise FiguresError(f"benchmarks/RESULTS.md section '{self.address}' has no table {number + 1}; "
                               "rerun its benchmark or fix the mapping in scripts/readme_figures.py.")
        return self.tables[number]

    def row(self, table: int = 0, **match: str) -> Cells:
        """The one row of table number ``table`` whose cells match: ``writer="as-is"`` is exact,
        ``key__has="text"`` means the cell contains the text."""
        rows = self.table(table)
        found = [r for r in rows if all(_matches(r, k, v) for k, v in match.items())]
        if len(found) != 1:
            wanted = ", ".join(f"{k.replace('__has', ' has')} = {v!r}" for k, v in match.items())
            have = "; ".join(" / ".join(list(r.values())[:2]) for r in rows[:8])
            raise FiguresError(f"benchmarks/RESULTS.md section '{self.address}' has {len(found)} rows with {wanted} "
                               f"(want exactly one; its rows begin: {have}); rerun its benchmark or fix the mapping "
                               "in scripts/readme_figures.py.")
        return Cells(self.address, found[0])

    def rows(self, table: int = 0, **match: str) -> list[Cells]:
        rows = [Cells(self.address, r) for r in self.table(table) if all(_matches(r, k, v) for k, v in match.items())]
        if not rows:
            raise FiguresError(f"benchmarks/RESULTS.md section '{self.address}' has no row matching {match}; "
                               "rerun its benchmark or fix the mapping in scripts/readme_figures.py.")
        return rows

    def find(self, pattern: str) -> re.Match[str]:
        """A line of the section's text, by regular expression."""
        m = re.search(pattern, self.text)
        if not m:
            raise FiguresError(f"benchmarks/RESULTS.md section '{self.address}' has no text matching {pattern!r}; "
                               "rerun its benchmark or fix the mapping in scripts/readme_figures.py.")
        return m

    def date(self) -> str:
        return self.find(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC").group(0)

    def machine(self) -> str:
        m = self.find(r"(\d+) CPUs \(nproc \d+\), ([\d.]+) GiB RAM, ([^;\n]+)")
        cpu = re.sub(r"\((R|TM)\)| Processor| CPU", "", m.group(3)).strip()
        return f"{m.group(1)} CPUs, {m.group(2)} GiB, {cpu}"

    def command(self) -> str:
        """The recorded command, as run from the repository's root with the venv's python."""
        m = self.find(r"(?:`|\n    )(?:\S*python\S*) (?:benchmarks/)?(bench_\w+\.py)([^`\n]*)")
        return f"python benchmarks/{m.group(1)}{m.group(2).rstrip()}"

    def load(self) -> str | None:
        """The 1-minute load average before the run, where the section states one in its text."""
        m = re.search(r"[Ll]oad average \(1 / 5 / 15 min\): ([\d.]+)|[Ll]oad average ([\d.]+) before"
                      r"|[Ll]oad before ([\d.]+)", self.text)
        return next(g for g in m.groups() if g) if m else None


class Cells(dict):
    """A table row; a missing column is an error naming the section."""

    def __init__(self, address: str, row: dict[str, str]):
        super().__init__(row)
        self.address = address

    def __missing__(self, column: str) -> str:
        raise FiguresError(f"benchmarks/RESULTS.md section '{self.address}' has no column '{column}'; "
                           "rerun its benchmark or fix the mapping in scripts/readme_figures.py.")


def _matches(row: dict[str, str], key: str, value: str) -> bool:
    if key.endswith("__has"):
        return value in row.get(key[:-5], "")
    return row.get(key) == value


def _tables(text: str) -> list[list[dict[str, str]]]:
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = _cells(lines[i])
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(dict(zip(header, _cells(lines[i]), strict=False)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def sections(results: str) -> dict[str, Section]:
    """Every ``<!-- name:start -->`` section, and every ``### heading`` part as ``name#heading``."""
    out = {}
    for m in re.finditer(r"<!-- ([\w-]+):start -->\n(.*?)<!-- \1:end -->", results, re.S):
        name, body = m.group(1), m.group(2)
        parts = re.split(r"^### (.+)$", body, flags=re.M)
        out[name] = Section(name, parts[0], _tables(parts[0]))
        for heading, text in zip(parts[1::2], parts[2::2], strict=True):
            address = f"{name}#{heading.strip()}"
            out[address] = Section(address, text, _tables(text))
    return out


# ------------------------------------------------------------------------------------------------ formatting


def num(cell: str) -> Decimal:
    """The first number of a cell ("1,732", "0 (19 incl. spares)", "OK, 1739 events")."""
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?", cell)
    if not m:
        raise FiguresError(f"'{cell}' in benchmarks/RESULTS.md is not a number.")
    return Decimal(m.group(0).replace(",", ""))


def fmt(value: Decimal | float, places: int = 0) -> str:
    """Rounded half up, thousands separated: fmt(4054) -> '4,054', fmt(0.2346, 2) -> '0.23'."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


# Figures computed from figures RESULTS.md holds (a ratio, a sum), as written in the last render: the test that
# looks each README figure up in RESULTS.md knows these are derived, not typed.
DERIVED: set[str] = set()


def derived(text: str) -> str:
    DERIVED.add(text)
    return text


def ratio(a: Decimal, b: Decimal, places: int = 1) -> str:
    return derived(fmt(a / b, places))


def span(values: list[Decimal], places: int = 1) -> str:
    low, high = fmt(min(values), places), fmt(max(values), places)
    return low if low == high else f"{low}-{high}"


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


# ------------------------------------------------------------------------------------------------- the rows


@dataclass
class Row:
    """One row of the README's Benchmarks table: what was measured, from which section, and its result."""

    section: str
    what: str
    result: Callable[[Section], str]


def _welcome(s: Section) -> str:
    w, e = s.row(**{"app, kernel": "welcome, preheated"}), s.row(**{"app, kernel": "empty, preheated"})
    wt, et = num(w["median s"]), num(e["median s"])
    return (f"{fmt(wt, 2)} s / {fmt(et, 2)} s (median of {w['loads']}): the welcome app (the participant frontend, "
            f"`workbench-lite`) against the empty app on Voila's own frontend (target: within 1.2x of it: "
            f"{met(wt <= Decimal('1.2') * et)})")


def _memory(s: Section) -> str:
    w, spare = s.row(**{"app, kernel": "welcome, preheated"}), s.row(1, server="welcome, preheated")
    return (f"{w['kernel RSS MB']} MB RSS, {w['kernel USS MB']} MB unique (target < 80 MB: "
            f"{met(num(w['kernel RSS MB']) < 80)}); a waiting spare {spare['RSS median MB']} MB")


def _store(s: Section) -> str:
    ours, raw = s.row(writer="as-is", writers="60"), s.row(writer="raw-sqlite3", writers="60")
    r = num(ours["events/s"]) / num(raw["events/s"])
    p99 = num(ours["p99 ms"])
    return (f"{ours['events/s']} events/s, p99 {fmt(p99)} ms; raw `sqlite3` at the same durability "
            f"{raw['events/s']} events/s (p99 {fmt(num(raw['p99 ms']))} ms, worst {fmt(num(raw['worst ms']) / 1000, 1)}"
            f" s): {derived(fmt(r, 2))}x raw (target 0.5x at p99 100 ms: {met(r >= Decimal('0.5') and p99 <= 100)}); "
            f"{ours['lost']} lost, verify {ours['verify()']}")


def _metrics(s: Section) -> str:
    ours, fl = s.row(what__has="ours, point estimates"), s.row(what__has="fairlearn MetricFrame")
    return (f"{fmt(num(ours['seconds']), 2)} s / {fmt(num(fl['seconds']), 1)} s "
            f"({ratio(num(fl['seconds']), num(ours['seconds']), 0)}x)")


def _consent(s: Section) -> str:
    text, cat = s.row(step="mask, text ids (str)"), s.row(step="mask, categorical ids")
    return f"{fmt(num(text['median s']), 2)} s / {fmt(num(cat['median s']), 2)} s (median of {text['runs']})"


def _curation(s: Section) -> str:
    both = num(s.row(stage="**enforcement + profile of the raw table**")["median s"])
    return f"{fmt(both, 2)} s median (target 2 s: {met(both <= 2)})"


def _baselines(s: Section) -> str:
    ours = num(s.row(stage="**enforcement + profile of the raw table**")["median s"])
    describe = num(s.row(stage__has="describe(include='all')")["median s"])
    ydata = num(s.row(stage__has="minimal=True).get_description()")["median s"])
    return (f"{fmt(describe, 2)} s / {fmt(ydata, 1)} s against our {fmt(ours, 2)} s on this frame "
            f"({ratio(describe, ours)}x / {ratio(ydata, ours)}x)")


def _load(s: Section) -> str:
    lite, pg = s.row(backend="sqlite"), s.row(backend="postgresql")
    return (f"SQLite {fmt(num(lite['submissions acknowledged']))} / PostgreSQL "
            f"{fmt(num(pg['submissions acknowledged']))} submissions, "
            f"{derived(fmt(num(lite['lost']) + num(pg['lost'])))} lost, p95 {fmt(num(lite['p95 ms']) / 1000, 2)} / "
            f"{fmt(num(pg['p95 ms']) / 1000, 2)} s, verify {lite['verify()'].split(',')[0]} / "
            f"{pg['verify()'].split(',')[0]} (load {fmt(num(lite['load avg before (1/5/15 min)']), 1)} before)")


def _warm(rows: list[Cells]) -> bool:
    return all(num(r["preheated"]) == Decimal(r["preheated"].split("/")[1]) for r in rows)


def _http(s: Section) -> str:
    rows = [s.row(N=n, run="1") for n in ("1", "20", "60")]
    return (f"p95 {' / '.join(r['HTML p95'] for r in rows)} s, "
            f"{'every page from a warm kernel' if _warm(rows) else 'not every page from a warm kernel'}")


def _usable(rows: list[Cells]) -> str:
    bad = sum(num(r["failed"]) + num(r["room full"]) for r in rows)
    return "all usable" if bad == 0 else f"{derived(fmt(bad))} not usable"


def _footer(s: Section) -> str:
    return s.find(r"Failures, requests to other hosts, console errors: (\w+)").group(1)


def _arrivals(s: Section) -> str:
    one, twenty, sixty = s.row(N="1", run="1"), s.row(N="20", run="1"), s.rows(N="60")
    p95 = [num(r["p95"]) for r in sixty]
    return (f"p95 {one['p95']} s / {twenty['p95']} s / {', '.join(r['p95'] for r in sixty)} s "
            f"({derived(str(len(sixty)))} runs at 60), {_usable([one, twenty, *sixty])}; failures, requests to "
            f"other hosts, console errors: {_footer(s)} (target 30 s at N = 60: met in "
            f"{derived(str(sum(p <= 30 for p in p95)))} of {len(sixty)} runs)")


def _burn(s: Section) -> str:
    rows = s.rows(N="60")
    idle = [num(r["wall s / machine idle CPU s / steal CPU s"].split("/")[1]) for r in rows]
    steal = [num(r["wall s / machine idle CPU s / steal CPU s"].split("/")[2]) for r in rows]
    return (f"p95 {' / '.join(r['p95'] for r in rows)} s (median {span([num(r['interactive median']) for r in rows])}, "
            f"worst {span([num(r['worst']) for r in rows])}), {_usable(rows)}, machine idle {span(idle, 0)} CPU-s, "
            f"steal {span(steal, 1)} CPU-s")


def _nice(s: Section) -> str:
    rows = s.rows(N="60")
    left = derived(fmt(sum(num(r["left after cull"]) for r in rows)))
    return (f"N = 60: p95 {' / '.join(r['p95'] for r in rows)} s (median "
            f"{' / '.join(r['interactive median'] for r in rows)}, worst {' / '.join(r['worst'] for r in rows)}), "
            f"{_usable(rows)}; failures, requests to other hosts, console errors: {_footer(s)}; {left} kernels "
            "left after culling")


def _polis(s: Section) -> str:
    m = s.find(r"wall best ([\d.]+), median ([\d.]+); CPU best ([\d.]+), median ([\d.]+)")
    ten = s.row(export="10x")
    return (f"{ten['votes logged']} votes: CPU {m.group(4)}x the 1x run's (median; best {m.group(3)}x), wall "
            f"{m.group(2)}x (target <= 10x: {met(Decimal(m.group(4)) <= 10)})")


def _polis_scale(s: Section) -> str:
    one, ten = s.row(step="domain API, call by call, 1x"), s.rows(step__has="domain API, call by call, ")[-1]
    join = s.row(step__has="join at 500 / ")
    tab = s.rows(step__has="facilitator's Analysis tab opens")[-1]
    api = min(num(one["result"].split()[0]), num(ten["result"].split()[0]))
    join_big = num(join["result"].split(" / ")[1].split()[0])
    tab_ms = num(tab["result"].split()[0])
    return (f"loading call by call {one['result']} (1x) / {ten['result']} ({ten['size']}; target >= 1,000: "
            f"{met(api >= 1000)}); one join at {join['step'].split(' / ')[1]}: {join['result'].split(' / ')[1]} "
            f"(target <= 50 ms: {met(join_big <= 50)}); Analysis tab at {tab['size']}: {tab['result']} "
            f"(target <= 2 s: {met(tab_ms <= 2000)})")


def _hub(s: Section) -> str:
    a, b = s.row(project="coop-a"), s.row(project="coop-b")
    joined = num(a["joined"]) + num(b["joined"])
    arrivals = num(a["arrivals"]) + num(b["arrivals"])
    verified = "OK on both logs" if a["verify"] == b["verify"] == "yes" else f"{a['verify']} / {b['verify']}"
    return (f"{derived(fmt(joined))} of {derived(fmt(arrivals))} joined, {derived(fmt(num(a['lost']) + num(b['lost'])))} lost, verify {verified}; usable p50 / p95 / worst {a['interactive s p50 / p95 / worst']} s and "
            f"{b['interactive s p50 / p95 / worst']} s; {a['kernels']} / {b['kernels']} kernels, "
            f"{a['kernel RSS MB (mean)']} / {b['kernel RSS MB (mean)']} MB each (mean RSS)")


def _csv(s: Section) -> str:
    r = s.row(file="1.00 GB")
    target = s.find(r"target: under ([\d,]+) MB").group(1)
    return (f"{r['rows']} rows in {r['seconds']} s, peak {r['peak MB']} MB RSS (target < {target} MB: "
            f"{met(num(r['peak MB']) < num(target))}); the stored file's hash and the logged row count checked: "
            f"{r['hash and rows logged']}")


ROWS = [
    Row("bench_welcome", "welcome app usable in Chromium, preheated kernel / an empty one-Label app, same server",
        _welcome),
    Row("bench_welcome", "participant kernel memory (welcome, in use), the same run", _memory),
    Row("bench_store", "store, 60 writer processes in a tight loop, one event per append", _store),
    Row("evaluation-metrics", "per-group metrics, 1M rows, all metrics / fairlearn MetricFrame", _metrics),
    Row("bench_consent", "consent mask, 1M rows, text / categorical ids", _consent),
    Row("bench_curation", "curation enforcement + profile, 1M rows x 20 columns, 100k contributors", _curation),
    Row("bench_curation", "the same frame: pandas `describe(include=\"all\")` / ydata-profiling minimal "
        "`get_description()`", _baselines),
    Row("bench_load", "room for a minute, 60 participant processes", _load),
    Row("bench_arrivals_http", "arrivals over 10 s, the server's share (plain HTTP, page fully served), "
        "N = 1 / 20 / 60", _http),
    Row("bench_arrivals", "arrivals over 10 s in headless Chromium **on the same 2 cores**, N = 1 / 20 / 60",
        _arrivals),
    Row("bench_arrivals_burn", "the same at N = 60 with one core kept busy by another program", _burn),
    Row("bench_arrivals_nice", "the same with Chromium at nice 19", _nice),
    Row("bench_polis_export", "Pol.is export at 10x the brexit conversation against 1x", _polis),
    Row("bench_polis_scale", "Pol.is at scale: the brexit conversation through the domain API, a 500,000-event log, "
        "the facilitator's Analysis tab", _polis_scale),
    Row("bench_hub#60 + 60 arrivals, from a quiet machine",
        "two workshops of 60 arrivals each within 30 s through JupyterHub's proxy at once", _hub),
    Row("bench_add_large_csv", "a valid 1 GB CSV shaped like the demo data added in streaming by "
        "`workbench data add`", _csv),
]


def benchmarks_table(found: dict[str, Section]) -> str:
    lines = ["| what | result | measured (RESULTS.md section; date, machine, 1-min load before) |", "|---|---|---|"]
    for row in ROWS:
        if row.section not in found:
            raise FiguresError(f"benchmarks/RESULTS.md has no section '{row.section}' (the README row "
                               f"'{row.what}'); run its benchmark or fix the mapping in scripts/readme_figures.py.")
        s = found[row.section]
        if "#" in row.section and not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", s.text):
            s = Section(s.address, found[row.section.split("#")[0]].text + s.text, s.tables)
        load = s.load()
        where = f"`{row.section}`; {s.date()}, {s.machine()}" + (f", load {fmt(num(load), 1)}" if load else "")
        lines.append(f"| {row.what}, `{s.command()}` | {row.result(s)} | {where} |")
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[dict[str, Section]], str]] = {"benchmarks": benchmarks_table}


# -------------------------------------------------------------------------------------------------- README


def render(readme: str, results: str) -> str:
    """README text with every generated region rendered from RESULTS.md text."""
    DERIVED.clear()
    found = sections(results)
    names = {m.group("name") for m in REGION.finditer(readme)}
    missing = set(RENDERERS) - names
    if missing:
        raise FiguresError(f"README.md has no region <!-- figures:{sorted(missing)[0]} --> ... "
                           f"<!-- /figures:{sorted(missing)[0]} -->; put the markers back where the figures go.")
    unknown = names - set(RENDERERS)
    if unknown:
        raise FiguresError(f"README.md has a region 'figures:{sorted(unknown)[0]}' that scripts/readme_figures.py "
                           "does not know; remove its markers or add a renderer.")
    return REGION.sub(lambda m: m.group(1) + RENDERERS[m.group("name")](found) + "\n" + m.group(4), readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md differs from what RESULTS.md gives")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    readme = args.readme.read_text(encoding="utf-8")
    try:
        new = render(readme, args.results.read_text(encoding="utf-8"))
    except FiguresError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if new == readme:
        print(f"{args.readme.name}: figures match {args.results.name}.")
        return 0
    if args.check:
        line = next(a for a, b in zip(readme.splitlines(), new.splitlines(), strict=False) if a != b) \
            if readme.count("\n") == new.count("\n") else ""
        print(f"error: {args.readme.name}'s figures differ from {args.results.name}"
              + (f" at '{line[:80]}'" if line else "") + "; run `make readme-figures`.", file=sys.stderr)
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme.name}: figures written from {args.results.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
