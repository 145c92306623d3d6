"""What the project has decided and found so far, gathered for the participants' outcomes app.

Plain facts read from the log and the stored runs (nothing is refitted, nothing is translated here):
``gather(project)`` returns :class:`Outcomes`, one field per section, each None (or empty) until the
stage that produces it has something:

1. ``charter``: the latest agreed charter (its words, criteria, red lines, footprint budget, decision);
2. ``consent``: per use, how many people gave, refused, withdrew... (counts, never who);
3. ``representation``: per attribute and group, how many rows the training data has, and which
   groups are thin (fewer rows than the charter's minimum group size for that attribute);
4. ``results``: the latest completed evaluation run, per candidate, per criterion, per group;
5. ``decisions``: the charter's decisions, the community's gate decisions, each adoption and each decision to
   adopt none;
6. ``card``: the adopted model's summary (in use, or retired since; :mod:`.evaluation.lifecycle` says which
   model) and its energy against the charter's budget;
7. ``open_votes``: gate decisions open to phones.

Participant text (charter items, reasons, titles) is returned as given: the view escapes it.
Pandas is imported only by the sections that need it (consent counts, representation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import WorkbenchError

SECTIONS = ("charter", "consent", "representation", "results", "decisions", "card", "votes")
COUNTED = ("ok", "refused", "withdrawn", "expired", "no_record")  # what people said, per use


@dataclass
class Outcomes:
    charter: dict | None = None
    consent: dict | None = None
    representation: dict | None = None
    results: dict | None = None
    decisions: list[dict] = field(default_factory=list)
    card: dict | None = None
    open_votes: list[dict] = field(default_factory=list)

    @property
    def sections(self) -> list[str]:
        """The sections that have something to show, in order."""
        have = {"charter": self.charter, "consent": self.consent, "representation": self.representation,
                "results": self.results, "decisions": self.decisions, "card": self.card, "votes": self.open_votes}
        return [name for name in SECTIONS if have[name]]


# -- 1. the charter -------------------------------------------------------------------------------
def charter_facts(store) -> dict | None:
    """The latest agreed charter in plain data, or None before the room agreed one."""
    from .purpose.charter import CharterHistory

    version = CharterHistory.load(store).latest_agreed()
    if version is None:
        return None
    c = version.charter
    return {"version": version.version, "title": c.title, "problem": c.problem, "community": c.community,
            "intended_uses": [i.text for i in c.intended_uses], "out_of_scope": [i.text for i in c.out_of_scope],
            "criteria": list(c.criteria), "footprint_kwh": c.footprint_kwh, "groups": list(c.groups),
            "decision": dict(version.decision or {})}


# -- 2. consent -----------------------------------------------------------------------------------
def consent_facts(store) -> dict | None:
    """Per use: how many people gave, refused, withdrew, let expire, did not answer; the uses never allowed.

    Counts over everyone the ledger knows, now (``ConsentLedger.coverage``); None before anyone decided.
    """
    from .consent.ledger import ConsentLedger

    ledger = ConsentLedger.load(store)
    people = ledger.contributors
    if not people:
        return None
    table = ledger.coverage()
    uses = []
    for row in table.to_dict(orient="records"):
        never = int(row.get("never", 0)) == len(people) and len(people) > 0
        uses.append({"use": row["use"], "never": never, **{r: int(row.get(r, 0)) for r in COUNTED}})
    return {"people": len(people), "uses": uses}


# -- 3. representation ----------------------------------------------------------------------------
def min_sizes(charter: dict | None, default: int) -> dict[str, int]:
    """The minimum group size per attribute: the largest a criterion on that attribute asks, else ``default``."""
    out: dict[str, int] = {}
    for c in (charter or {}).get("criteria", []):
        if c.attribute:
            out[c.attribute] = max(out.get(c.attribute, 0), int(c.min_group_size))
    return out


def representation_facts(project, charter: dict | None = None) -> dict | None:
    """Rows per group of each group attribute in the rows the model may learn from (consent applied).

    ``thin``: fewer rows than the charter's minimum group size for that attribute. None before a dataset.
    """
    from .curation.enforce import curated
    from .curation.importer import current, load_frame
    from .curation.profile import charter_min_group_size, references, representation

    ds = current(project.store)
    if ds is None or not ds.mapping.groups:
        return None
    try:
        frame, consented = curated(project, "train", dataset=ds).frame, True
    except WorkbenchError:  # no published scope yet: the data as received
        frame, consented = load_frame(project, ds), False
    default = charter_min_group_size(project.store)
    sizes = min_sizes(charter, default)
    groups = [g for g in ds.mapping.groups if g in frame.columns]
    table = representation(frame, groups, references(project.store), default)
    rows = []
    for r in table.to_dict(orient="records"):
        floor = sizes.get(r["attribute"], default)
        ref = r["reference"]
        rows.append({"attribute": r["attribute"], "group": r["group"], "count": int(r["count"]),
                     "share": float(r["share"]), "reference": None if ref != ref else float(ref),
                     "min_size": floor, "thin": r["group"] is not None and int(r["count"]) < floor})
    return {"rows": len(frame), "consented": consented, "attributes": groups, "groups": rows}


# -- 4. results -----------------------------------------------------------------------------------
def results_facts(store, run: dict | None = None) -> dict | None:
    """The latest completed evaluation run as stored: per candidate its status, criteria and per-group rows."""
    from .evaluation.criteria import candidate_status

    if run is None:
        from .evaluation.protocol import latest_run

        run = latest_run(store, completed=True)
    if run is None:
        return None
    candidates = []
    for key, res in run["candidates"].items():
        fp = res.get("footprint") or {}
        criteria = [{**c, "groups": list(c.get("groups") or [])} for c in res.get("criteria", [])]
        candidates.append({"key": key, "status": candidate_status(res), "ran": res.get("status") == "ok",
                           "criteria": criteria, "kwh": fp.get("total_kwh"),
                           "accuracy": ((res.get("overall") or {}).get("accuracy", {}).get("") or [None])[0]})
    rec = run.get("recommendation") or {}
    return {"run": run["run"], "ts": run.get("ts", ""), "candidates": candidates,
            "recommended": rec.get("candidate"), "budget_kwh": (run.get("started") or {}).get("budget_kwh"),
            "rule": (run.get("started") or {}).get("rule", "interval")}


# -- 5. decisions ---------------------------------------------------------------------------------
def _decision_log(store):
    """The community's gate decisions (:mod:`workbench.decisions`)."""
    from .decisions import DecisionLog

    return DecisionLog.load(store)


def decision_facts(store, charter_history=None, log=None) -> list[dict]:
    """Every decision taken, in time order: the charter's, the gates' (overrides included), and each adoption
    (:func:`.evaluation.lifecycle.adoptions`, the one rule: a decision whose model was never saved is none) and
    each decision to adopt none, from their own ``evaluation.decided`` events (two decisions on one run are
    two decisions)."""
    from .purpose.charter import CharterHistory

    out = []
    history = charter_history or CharterHistory.load(store)
    for d in history.decisions:
        out.append({"kind": "charter", "title": "", "version": d.get("version"), "result": d.get("result", ""),
                    "present": d.get("present"), "in_favour": d.get("in_favour"), "against": d.get("against"),
                    "abstain": d.get("abstain"), "rule": d.get("rule", ""), "why": d.get("problem", ""),
                    "ts": d.get("ts", "")})
    log = log if log is not None else _decision_log(store)
    for d in log.decisions.values():
        if d.status == "open":
            continue
        out.append({"kind": "gate", "gate": d.gate, "title": d.title or str(d.subject.get("label", "")),
                    "result": d.status, "method": d.method,
                    "present": d.present, "in_favour": d.in_favour, "against": d.against, "abstain": d.abstain,
                    "rule": d.rule, "why": d.reason if d.status == "override" else (d.outcome or d.explain or ""),
                    "ts": d.closed_ts or d.ts or "", "override": d.status == "override"})
    from .evaluation.lifecycle import adoptions

    adopted = [(a["decision"], a["retired"] is not None) for a in adoptions(store)]
    for dec, retired in adopted + [(d, False) for d in _none_decisions(store)]:
        out.append({"kind": "adoption", "title": "", "result": dec.get("decision", ""),
                    "candidate": dec.get("candidate"), "why": dec.get("reason", ""), "ts": dec.get("ts", ""),
                    "passes_all": dec.get("passes_all"), "retired": retired})
    return sorted(out, key=lambda d: str(d.get("ts") or ""))


def _none_decisions(store) -> list[dict]:
    """Each stored decision to adopt none (an ``evaluation.decided`` naming no candidate), in log order."""
    from .evaluation.lifecycle import DECIDED

    return [{**ev.payload, "ts": ev.ts, "seq": ev.seq} for ev in store.events(kinds=[DECIDED])
            if not ev.payload.get("candidate")]


def open_votes(store, log=None) -> list[dict]:
    """Decisions open for a vote from phones: id, gate, title, explain, rule."""
    log = log if log is not None else _decision_log(store)
    return [{"id": d.id, "gate": d.gate, "title": d.title or str(d.subject.get("label", "")), "explain": d.explain,
             "rule": d.rule} for d in log.open_to_phones()]


def vote(store, decision_id: str, code: str, choice: str):
    """A member's vote from a phone (:func:`workbench.decisions.vote`, which refuses anyone not a voting member)."""
    from .decisions import vote as cast

    return cast(store, decision_id, str(code or "").strip(), choice)


# -- 6. the model card ----------------------------------------------------------------------------
def card_facts(store, runs: dict | None = None, charter: dict | None = None) -> dict | None:
    """The adopted model, its checks, and its energy against the budget; or the decision to adopt none.

    The model is the one :func:`.evaluation.lifecycle.adopted_run` names (the one rule), in use or retired
    since (``retired`` says which), with its own decision (a later decision to adopt none does not replace it).
    Only where the community never adopted a model: its latest decision to adopt none (``adopted`` None),
    read from the stored ``evaluation.decided`` events. None before either.
    """
    from .evaluation.criteria import PASS, candidate_status
    from .evaluation.lifecycle import adopted_run

    run = adopted_run(store, retired=True)
    if run is not None:
        dec, retired = run["decision"], run["adoption"]["retired"] is not None
    else:
        nones = _none_decisions(store)
        if runs is None:
            from .evaluation.protocol import load_runs

            runs = load_runs(store)
        run = runs.get(nones[-1]["run"]) if nones else None
        if run is None:
            return None
        dec, retired = nones[-1], False
    budget = (charter or {}).get("footprint_kwh")
    if budget is None:
        budget = (run.get("started") or {}).get("budget_kwh")
    total = sum(float((r.get("footprint") or {}).get("total_kwh") or 0.0) for r in run["candidates"].values())
    key = dec.get("candidate")
    out = {"run": run["run"], "adopted": key, "reason": dec.get("reason", ""), "written": bool(key),
           "retired": retired, "budget_kwh": budget, "run_kwh": total}
    if key and key in run["candidates"]:
        res = run["candidates"][key]
        fp = res.get("footprint") or {}
        crit = [c for c in res.get("criteria", []) if c.get("id") != "footprint"]
        card = run.get("card") or {}
        out.update({"status": candidate_status(res), "passed": sum(c["status"] == PASS for c in crit),
                    "criteria": len(crit), "kwh": fp.get("total_kwh"), "co2_kg": fp.get("total_co2_kg"),
                    "model_bytes": card.get("model_bytes") or fp.get("model_bytes"),
                    "ms_per_1000": fp.get("inference_ms_per_1000"),
                    "accuracy": ((res.get("overall") or {}).get("accuracy", {}).get("") or [None])[0]})
    return out


# -- all of it ------------------------------------------------------------------------------------
def gather(project) -> Outcomes:
    """Every section's facts from the project's log (each None or empty until its stage has something)."""
    from .evaluation.protocol import load_runs
    from .purpose.charter import CharterHistory

    store = project.store
    history = CharterHistory.load(store)
    charter = charter_facts(store)
    runs = load_runs(store)
    completed = [r for r in runs.values() if r["status"] == "completed"]
    log = _decision_log(store)
    return Outcomes(
        charter=charter,
        consent=consent_facts(store),
        representation=representation_facts(project, charter),
        results=results_facts(store, completed[-1]) if completed else None,
        decisions=decision_facts(store, history, log),
        card=card_facts(store, runs, charter),
        open_votes=open_votes(store, log),
    )
