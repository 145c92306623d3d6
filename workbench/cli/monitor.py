"""``workbench monitor``: the adopted model in use: add batches of outcomes, see the status, the whole-life energy."""

from __future__ import annotations

from ._options import add_as_of
from ._sub import Actions

HELP = ("After adoption: add a batch of outcomes from use (consent to monitoring checked), show per-group status "
        "against the charter, measure inference energy, record the server's energy, sum the whole life's footprint.")


def _add_args(a):
    a.add_argument("file", metavar="FILE", help="the batch, as CSV (UTF-8)")
    add_as_of(a, help="the batch's time, when consent is checked (YYYY-MM-DD or ISO time; default: now)")


def _add(project, args):
    from ..monitoring import add_batch
    from ..runs.pipeline import as_of_time

    at = as_of_time(args.as_of) if args.as_of else None
    ev = add_batch(project, args.file, at=at)
    p = ev.payload
    print(f"batch added (event {ev.seq}): {p['rows']} rows, {p['kept']} kept, {p['dropped_no_consent']} "
          f"dropped (no consent to monitoring), {p['known']} with a known outcome, "
          f"{p['date_from']} to {p['date_to']}; model {p['model']['candidate']} (run {p['model']['run']}).")
    below = [r for r in p.get("results", []) if r["status"] == "below"]
    for r in below:
        print(f"UNDER REVIEW: {r['criterion']} [{r['attribute'] or 'overall'}: {r['group']}] "
              f"{_num(r['value'])} ({_num(r['lo'])}–{_num(r['hi'])}), n={r['n']}.")


def _status_args(s):
    s.add_argument("--json", action="store_true", help="print the status as JSON")


def _energy_args(e):
    e.add_argument("--predictions", type=int, default=1000, metavar="N",
                   help="how many predictions to measure (default: 1000)")
    e.add_argument("--no-measure", action="store_true", help="only print the lifetime sum, measure nothing")


def _energy(project, args):
    if not args.no_measure:
        from ..monitoring import measure_inference

        ev = measure_inference(project, args.predictions)
        print(f"inference measured (event {ev.seq}): {_kwh(ev.payload['kwh_per_1000'])} per 1,000 "
              f"predictions ({ev.payload['method']}{', estimated' if ev.payload['estimated'] else ''}).")
    _footprint(project)


def _server_energy_args(v):
    v.add_argument("kwh", metavar="KWH", help="the energy in kWh, e.g. 12.5")
    v.add_argument("--note", default="", help="how it was estimated, and over which period")


def _server_energy(project, args):
    from ..monitoring import server_energy

    ev = server_energy(project, args.kwh, args.note)
    print(f"server energy recorded (event {ev.seq}): {_kwh(ev.payload['kwh'])}.")
    _footprint(project)


def _num(x, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _kwh(x) -> str:
    return "—" if x is None else f"{x:.6g} kWh"


def _status(project, args) -> None:
    import json

    from ..monitoring import status

    st = status(project)
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=2))
        return
    model = st["model"]
    print(f"adopted model: {model['candidate']} (run {model['run']})" if model else "adopted model: none")
    if not st["batches"]:
        print("no batches of outcomes yet ('workbench monitor add DIR FILE').")
        return
    for b in st["batches"]:
        print(f"batch {b['seq']}: {b['date_from']} to {b['date_to']}, {b['rows']} rows, {b['kept']} kept, "
              f"{b['dropped_no_consent']} dropped (no consent to monitoring), {b['known']} with a known outcome")
        for r in (x for x in st["rows"] if x["batch"] == b["seq"]):
            where = (r["group"] or "—") if r["attribute"] else "everyone"
            ev = (r.get("evaluated") or {}).get("value")
            flag = "  UNDER REVIEW" if r["under_review"] else ""
            print(f"  {r['criterion']} [{r['attribute'] + ': ' if r['attribute'] else ''}{where}] {r['direction']} {r['threshold']:g}: "
                  f"{_num(r['value'])} ({_num(r['lo'])}–{_num(r['hi'])}), n={r['n'] if r['n'] is not None else '—'}, "
                  f"evaluated {_num(ev)}: {r['status']}{flag}")
    under = st["under_review"]
    print(f"under review: {len(under)} group(s) below a criterion with enough evidence" if under else
          "under review: nothing fell below a criterion with enough evidence.")


def _footprint(project) -> None:
    from ..monitoring import lifetime_footprint

    f = lifetime_footprint(project)
    print(f"training:   {_kwh(f['training_kwh'])} ({f['candidates']} candidates trained)")
    print(f"evaluation: {_kwh(f['evaluation_kwh'])}")
    per = f["inference_kwh_per_1000"]
    print(f"inference:  {_kwh(f['inference_kwh'])} ({f['predictions']} predictions monitored"
          + (f", {_kwh(per)} per 1,000" if per is not None else "")
          + (f"; {f['predictions_unmeasured']} of a model never measured" if f["predictions_unmeasured"] else "")
          + ")")
    print(f"server:     {_kwh(f['server_kwh'])} ({f['server_records']} records)")
    print(f"total:      {_kwh(f['total_kwh'])}")
    if f["budget_kwh"] is None:
        print("budget:     the charter names no footprint budget")
    else:
        print(f"budget:     {_kwh(f['budget_kwh'])}: {'within' if f['within'] else 'OVER'} "
              f"({f['share_of_budget'] * 100:.1f}% used)")


ACTIONS = Actions("monitor")
ACTIONS.add("add", _add, _add_args, help="add a CSV of outcomes from use (prediction, outcome, date, contributor, "
            "groups)", description="Add a batch of outcomes from use: a CSV with prediction, outcome (empty when "
            "not known yet), date (YYYY-MM-DD), the contributor column and the charter's group columns. Only rows "
            "whose contributor consented to monitoring are kept; the numbers are logged.")
ACTIONS.add("status", _status, _status_args, help="per group and batch: the charter's criteria in use, and what is "
            "under review", description="Show, per batch and group, each charter criterion's value in use with its "
            "interval, the value at evaluation, and whether it fell below with enough evidence.")
ACTIONS.add("energy", _energy, _energy_args, help="measure the adopted model's inference energy, then print the "
            "lifetime sum", description="Measure the adopted model predicting N rows (energy per 1,000 "
            "predictions, logged), then print the whole life's footprint against the charter's budget.")
ACTIONS.add("server-energy", _server_energy, _server_energy_args, help="record the workshop server's energy over a "
            "period (kWh)", description="Record an estimate of the energy the workshop server used over a period, "
            "in kWh (from a plug meter, or watts x hours / 1000). Records add up.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run
