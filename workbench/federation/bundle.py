"""The commons bundle: what a community shares with the federation, and nothing else.

:func:`plan_bundle` decides, part by part, what will and will not be shared,
each in plain words (catalog keys), so the facilitator sees it before export:

- always, when they exist: the charter, the consent scope (with its DUO/DPV
  mapping and Local Contexts labels), the data-work summary (totals only;
  workers are pseudonyms and no one's pay is listed);
- always, in the signed manifest (``accountability``), the community's accountability: every
  gate decision with its counts, rule and method, never who voted how, an override marked as one with
  its reason; the model's status (in use, under review and why, retired); the concerns' counts, the
  facilitators' responses and only the words their authors chose to share; the benefits promised and
  delivered; and, unless the scope forbids publishing counts and metrics, monitoring in use (groups of
  fewer than :data:`MIN_GROUP` rows show no numbers) and the energy of the model's whole life;
- the datasheet, the model card and the evaluation results, unless the scope
  forbids publishing counts and metrics (``publish_aggregates`` = never); in the
  evaluation results, groups of fewer than :data:`MIN_GROUP` rows show no numbers;
- the adopted model only if the scope permits sharing models and every person
  whose rows trained it permits, today, both training and sharing models;
- curated rows only when asked for (``include_rows``), the scope permits sharing
  data and does not require the data to stay on the community's machine, and
  only the rows of people who permit sharing their data, without their codes;
- never: the private key, the event log, the raw files, the access codes.

:func:`export_bundle` writes the signed zip (see :mod:`._format`) and logs
``federation.bundle_exported``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbenchError
from . import _format as F

EXPORTED = "federation.bundle_exported"
MIN_GROUP = 10
MAX_LISTED = 50  # concern responses and shared words, monitoring batches and rows below, in the manifest
NEVER_SHARED = ("private_key", "event_log", "raw_data", "access_codes")


@dataclass
class Part:
    """One part that will be shared: its path in the bundle, what it is, and how to make its bytes."""

    path: str
    what: str
    make: Callable[[], bytes]
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"federation.share.{self.what}"


@dataclass
class Withheld:
    """One thing that will not be shared, and why (a catalog key with its parameters)."""

    what: str
    reason: str
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"federation.part.{self.what}"

    def to_dict(self) -> dict:
        return {"part": self.what, "reason": self.reason, "params": dict(self.params)}


@dataclass
class BundlePlan:
    parts: list[Part]
    withheld: list[Withheld]
    model: dict | None = None
    rows: int = 0
    scope_version: int | None = None
    accountability: dict | None = None

    @property
    def shares_model(self) -> bool:
        return any(p.what == "model" for p in self.parts)

    def will_share(self) -> list[tuple[str, dict]]:
        out = [(p.key, p.params) for p in self.parts if p.what != "model_info"]
        if self.accountability:
            out.append(("federation.share.accountability", {"decisions": len(self.accountability["decisions"]),
                                                            "overrides": len(self.accountability["overrides"])}))
        return out

    def will_not_share(self) -> list[tuple[str, str, dict]]:
        return [(w.key, w.reason, w.params) for w in self.withheld]

    def sentence(self, tr) -> str:
        """"This will share: ...; this will not share: ..." in ``tr``'s language."""
        share = "; ".join(tr(k, **p) for k, p in self.will_share())
        keep = "; ".join(f"{tr(k, **p)} ({tr(r, **p)})" for k, r, p in self.will_not_share())
        return f"{tr('federation.plan.will_share', items=share)} {tr('federation.plan.will_not_share', items=keep)}"

    def to_dict(self) -> dict:
        return {"model": self.shares_model, "rows": self.rows, "scope_version": self.scope_version,
                "shared": [p.what for p in self.parts], "withheld": [w.to_dict() for w in self.withheld]}


@dataclass(frozen=True)
class Exported:
    path: Path
    manifest: dict
    plan: BundlePlan
    seq: int


def _json(obj) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


# -- what each part is made from -----------------------------------------------------------------
def _charter_doc(project) -> dict | None:
    from ..purpose.charter import CharterHistory, criteria_document

    history = CharterHistory.load(project.store)
    version = history.latest_agreed() or history.latest
    if version is None:
        return None
    return {"version": version.version, "status": "agreed" if version.agreed else "draft",
            "hash": version.charter.hash(), "charter": version.charter.to_dict(),
            "criteria": criteria_document(version, project.config.id)}


def suppress_groups(rows: list, min_size: int = MIN_GROUP) -> list:
    """Compact per-group rows ``[attribute, group, metric, label, value, lo, hi, n]``: no numbers under ``min_size``."""
    out = []
    for r in rows:
        r = list(r)
        if r[7] is not None and r[7] < min_size:
            r[4] = r[5] = r[6] = r[7] = None
        out.append(r)
    return out


def _suppress_criteria(criteria: list[dict], min_size: int = MIN_GROUP) -> list[dict]:
    out = []
    for c in criteria:
        c = dict(c)
        groups = []
        for g in c.get("groups") or []:
            g = dict(g)
            if g.get("n") is not None and g["n"] < min_size:
                g.update(value=None, lo=None, hi=None, n=None, suppressed=True)
            groups.append(g)
        c["groups"] = groups
        if c.get("n") is not None and c["n"] < min_size:
            c.update(value=None, lo=None, hi=None, n=None, suppressed=True)
        out.append(c)
    return out


def _evaluation_doc(run: dict) -> dict:
    candidate = run["card"]["candidate"]
    result = run["candidates"][candidate]
    started = run["started"]
    return {
        "run": run["run"], "candidate": candidate, "decision": {k: (run.get("decision") or {}).get(k) for k in
                                                                 ("decision", "passes_all", "reason", "recommended")},
        "criteria": _suppress_criteria(result.get("criteria", [])), "overall": result.get("overall", {}),
        "by_group": suppress_groups(result.get("by_group", [])), "footprint": result.get("footprint", {}),
        "labels": started.get("labels", []), "groups": started.get("groups", []), "target": started.get("target"),
        "text": started.get("text"), "rule": started.get("rule"), "plan": started.get("plan"),
        "n_train": started.get("n_train"), "n_test": started.get("n_test"), "min_group_size_shown": MIN_GROUP,
    }


def _suppress_rows(rows: list[dict], min_size: int = MIN_GROUP) -> list[dict]:
    """Monitoring rows: no numbers for a group of fewer than ``min_size`` rows."""
    out = []
    for r in rows:
        r = dict(r)
        if r.get("n") is not None and r["n"] < min_size:
            r.update(value=None, lo=None, hi=None, n=None, suppressed=True)
        out.append(r)
    return out


def _monitoring_doc(project) -> dict:
    """Monitoring in use as counts and per-group numbers (no file names, no rows, no one's code)."""
    from ..monitoring import lifetime_footprint, status

    st = status(project)
    keep = ("criterion", "metric", "label", "scope", "attribute", "group", "direction", "threshold", "value", "lo",
            "hi", "n", "min_group_size", "status", "reason", "batch", "date_from", "date_to", "under_review")
    batches = [{k: b.get(k) for k in ("seq", "date_from", "date_to", "rows", "kept", "dropped_no_consent", "known",
                                      "model")} for b in st["batches"]]
    for b in batches:
        b["model"] = {k: (b.get("model") or {}).get(k) for k in ("run", "candidate", "model_sha256")}
    rows = _suppress_rows([{k: r.get(k) for k in keep} for r in st["rows"]])
    latest = batches[-1]["seq"] if batches else None  # every row of the latest batch, and what fell below in any
    return {"batches": batches[-MAX_LISTED:], "batches_more": max(0, len(batches) - MAX_LISTED),
            "latest": [r for r in rows if r["batch"] == latest],
            "under_review": [r for r in rows if r.get("under_review")][-MAX_LISTED:],
            "lifetime_footprint": lifetime_footprint(project), "min_group_size_shown": MIN_GROUP}


def _model_status_doc(project) -> dict:
    """In use / under review / retired, and why in counts, criteria and groups (never a concern's words)."""
    from ..evaluation.lifecycle import status

    st = status(project)
    model = st.get("model") or {}
    reasons = []
    for r in st["reasons"]:
        if r.get("source") == "concern":
            reasons.append({"source": "concern", "id": r.get("id"), "ts": r.get("ts")})
        else:
            n = r.get("n")
            small = n is not None and n < MIN_GROUP
            reasons.append({"source": r.get("source"), "criterion": r.get("criterion"),
                            "attribute": r.get("attribute"), "group": r.get("group"), "batch": r.get("batch"),
                            "date_from": r.get("date_from"), "date_to": r.get("date_to"),
                            **{k: None if small else r.get(k) for k in ("value", "lo", "hi", "n")}})
    return {"state": st["state"], "model": {k: model.get(k) for k in ("run", "candidate", "community_decision")},
            "reasons": reasons}


def accountability_doc(project, aggregates: bool = True) -> dict:
    """What the community decided and what came of it, for another community to read: decisions (counts and
    reasons, never who voted how; ``override`` marks a facilitator's override), the model's status, the
    concern summary (only shared words), monitoring (only with ``aggregates``) and the benefits."""
    from ..benefits import card_summary
    from ..concerns import summary
    from ..decisions import DecisionLog

    log = DecisionLog.load(project.store)
    decisions = [{**d.to_dict(), "override": d.status == "override"}
                 for d in sorted(log.decisions.values(), key=lambda d: d.seq)]
    concerns = summary(project.store)
    for key in ("responses", "shared"):  # the latest; the manifest stays far below what verification accepts
        concerns[f"{key}_more"] = max(0, len(concerns[key]) - MAX_LISTED)
        concerns[key] = concerns[key][-MAX_LISTED:]
    return {"decisions": decisions, "overrides": [d["id"] for d in decisions if d["override"]],
            "model_status": _model_status_doc(project), "concerns": concerns,
            "monitoring": _monitoring_doc(project) if aggregates else {"withheld": "federation.reason.no_aggregates"},
            "benefits": card_summary(project.store)}


def _training_consent(project, run: dict) -> tuple[int, int, str | None]:
    """(people whose rows trained the model, how many of them do not permit sharing models or training now,
    the earliest time one of their grants expires)."""
    import pandas as pd

    from ..consent.ledger import ConsentLedger
    from ..evaluation.drift import training_rows

    rows = training_rows(project, run)
    if "contributor" not in rows.columns:
        return len(rows), len(rows), None
    ledger = ConsentLedger.load(project.store)
    ids = pd.Series(rows["contributor"].where(rows["contributor"] != "", None)).drop_duplicates()
    share, _r1 = ledger.permitted_mask(ids, "share_models")
    train, _r2 = ledger.permitted_mask(ids, "train")
    ok = share.to_numpy() & train.to_numpy()
    people = set(ids.dropna())
    latest: dict[str, str | None] = {}
    for r in ledger.receipts:
        if r.contributor in people and r.kind == "granted":
            latest[r.contributor] = r.expires
    expiries = sorted(x for x in latest.values() if x)
    return int(len(ids)), int((~ok).sum()), (expiries[0] if expiries else None)


def _model_parts(project, scope, run) -> tuple[list[Part], list[Withheld], dict | None]:
    from ..consent.scope import NEVER
    from ..evaluation.artifacts import sha256_file

    if scope.uses["share_models"] == NEVER:
        return [], [Withheld("model", "federation.reason.scope_forbids_models")], None
    if run is None:
        return [], [Withheld("model", "federation.reason.no_model")], None
    if run["adoption"]["retired"] is not None:  # the community stopped using it: it is not offered for use
        return [], [Withheld("model", "federation.reason.model_retired")], None
    card = run["card"]
    path = Path(project.artifacts_dir) / str(card.get("model_file", ""))
    if not card.get("model_file") or not path.is_file() or sha256_file(path) != card.get("model_sha256"):
        return [], [Withheld("model", "federation.reason.model_changed")], None
    try:
        people, refusing, valid_until = _training_consent(project, run)
    except WorkbenchError:
        return [], [Withheld("model", "federation.reason.model_changed")], None
    if refusing:
        return [], [Withheld("model", "federation.reason.model_consent", {"people": refusing, "total": people})], None
    started = run["started"]
    name = f"model/model{path.suffix}"
    info = {"file": name, "format": path.suffix.lstrip("."), "sha256": card["model_sha256"],
            "bytes": path.stat().st_size, "candidate": card["candidate"], "run": run["run"],
            "target": started.get("target"), "text": started.get("text"), "features": started.get("features"),
            "labels": started.get("labels", []), "groups": started.get("groups", []),
            "trained_on_rows": started.get("n_train"), "trained_on_people": people,
            "consent_valid_until": valid_until}
    parts = [Part(name, "model", path.read_bytes, {"candidate": card["candidate"]}),
             Part("model/model_info.json", "model_info", lambda: _json(info))]
    return parts, [], info


def _rows_parts(project, scope, include_rows: bool, at) -> tuple[list[Part], list[Withheld], int]:
    from ..consent.scope import NEVER

    if scope.uses["share_data"] == NEVER:
        return [], [Withheld("rows", "federation.reason.scope_forbids_data")], 0
    if scope.conditions.stays_on_machine:
        return [], [Withheld("rows", "federation.reason.stays_on_machine")], 0
    if not include_rows:
        return [], [Withheld("rows", "federation.reason.rows_not_asked")], 0
    from ..curation.enforce import curated
    from ..curation.importer import require_current

    try:
        ds = require_current(project.store)
    except WorkbenchError:
        return [], [Withheld("rows", "federation.reason.missing")], 0
    view = curated(project, "share_data", at, ds)
    frame = view.frame.drop(columns=[c for c in (ds.mapping.contributor,) if c in view.frame.columns])
    if not len(frame):
        return [], [Withheld("rows", "federation.reason.no_rows_permitted")], 0

    def make() -> bytes:
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")

    return [Part("data/rows.csv", "rows", make, {"rows": int(len(frame))})], [], int(len(frame))


def _datasheet(project) -> bytes | None:
    path = Path(project.artifacts_dir) / "datasheet.md"
    if path.is_file():
        return path.read_bytes()
    from ..curation import datasheet

    try:
        return datasheet.render_markdown(datasheet.context(project)).encode("utf-8")
    except WorkbenchError:
        return None


# -- the plan and the export -----------------------------------------------------------------------
def _latest_checkpoint(project) -> Path | None:
    from ..store.witness import CHECKPOINT_DIR

    folder = Path(project.root) / CHECKPOINT_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return files[-1] if files else None


def plan_bundle(project, include_rows: bool = False, at=None) -> BundlePlan:
    """What :func:`export_bundle` would share now, and what not and why; nothing is written."""
    from ..consent.scope import NEVER, ScopeHistory
    from ..curation import datawork

    parts: list[Part] = []
    withheld: list[Withheld] = []
    version = ScopeHistory.load(project.store).latest
    charter = _charter_doc(project)
    if charter is not None:
        parts.append(Part("charter.json", "charter", lambda: _json(charter), {"version": charter["version"]}))
    else:
        withheld.append(Withheld("charter", "federation.reason.missing"))
    if version is None:
        withheld.append(Withheld("scope", "federation.reason.missing"))
        withheld += [Withheld(w, "federation.reason.no_scope") for w in ("model", "rows")]
        return BundlePlan(parts, withheld + [Withheld(w, "federation.reason.never_leaves") for w in NEVER_SHARED])
    scope = version.scope
    exported = version.export()
    parts.append(Part("scope.json", "scope", lambda: _json(exported), {"version": version.version}))
    from ..evaluation.lifecycle import adopted_run

    run = adopted_run(project.store, retired=True)  # a retired model's card and evaluation say it was retired
    acc = accountability_doc(project, aggregates=scope.uses["publish_aggregates"] != NEVER)
    if scope.uses["publish_aggregates"] == NEVER:
        withheld += [Withheld(w, "federation.reason.no_aggregates") for w in ("datasheet", "model_card", "evaluation")]
    else:
        sheet = _datasheet(project)
        if sheet is not None:
            parts.append(Part("datasheet.md", "datasheet", lambda: sheet))
        else:
            withheld.append(Withheld("datasheet", "federation.reason.missing"))
        card = Path(project.artifacts_dir) / "model_card.md"
        if run is not None and card.is_file():
            def fresh_card(run=run) -> bytes:
                """The card as of now: decisions, status, concerns and monitoring since adoption included."""
                from ..evaluation.card import context, render_markdown

                return render_markdown(context(project, run, run["card"]["candidate"])).encode("utf-8")

            parts.append(Part("model_card.md", "model_card", fresh_card))
            doc = _evaluation_doc(run)
            parts.append(Part("evaluation.json", "evaluation", lambda: _json(doc),
                              {"criteria": len(doc["criteria"])}))
        else:
            withheld += [Withheld(w, "federation.reason.no_model") for w in ("model_card", "evaluation")]
    if project.store.events(kinds=[datawork.RECORDED, datawork.TERMS]):
        summary = datawork.check(project).summary
        parts.append(Part("datawork.json", "datawork", lambda: _json(summary), {"workers": summary["workers"]}))
    else:
        withheld.append(Withheld("datawork", "federation.reason.missing"))
    latest = _latest_checkpoint(project)
    if latest is not None:  # a witness of our log's head: others can hold us to it (workbench.store.witness)
        parts.append(Part("checkpoint.json", "checkpoint", latest.read_bytes, {"seq": int(latest.stem)}))
    model_parts, model_withheld, info = _model_parts(project, scope, run)
    rows_parts, rows_withheld, rows = _rows_parts(project, scope, include_rows, at)
    parts += model_parts + rows_parts
    withheld += model_withheld + rows_withheld
    withheld += [Withheld(w, "federation.reason.never_leaves") for w in NEVER_SHARED]
    return BundlePlan(parts, withheld, info, rows, version.version, acc)


def export_bundle(project, out_file, include_rows: bool = False, at=None, actor: str = "facilitator") -> Exported:
    """Write the commons bundle of ``project`` to ``out_file`` (a .zip), signed; log ``federation.bundle_exported``."""
    from ..consent.scope import ScopeHistory
    from ..evaluation.inputs import provenance
    from . import keys

    keys.public_key(project.root)  # no key, no bundle: say so before any work
    if ScopeHistory.load(project.store).latest is None:
        raise WorkbenchError("The community has not published a consent scope, so nobody could tell what its "
                             "bundle may be used for.", "Publish the scope in the scope app first.",
                             key="federation.error.no_scope")
    target = Path(out_file).expanduser().absolute()
    secret = (Path(project.root) / ".workbench").absolute()
    if target == secret or secret in target.parents:
        raise WorkbenchError("A bundle cannot be written into the project's .workbench folder.",
                             "Choose another place for it.", key="federation.error.bad_target")
    plan = plan_bundle(project, include_rows, at)
    parts = {p.path: (p.what, p.make()) for p in plan.parts}
    path, manifest = F.write_signed(project, target, F.KIND_COMMONS, parts,
                                    {"shares": plan.to_dict(), "provenance": provenance(project),
                                     **({"accountability": plan.accountability} if plan.accountability else {})})
    body = F.manifest_bytes(manifest)
    try:
        ev = project.store.append(EXPORTED, {
            "file": path.name, "manifest_sha256": F.sha256(body), "parts": [
                {"path": e["path"], "sha256": e["sha256"]} for e in manifest["parts"]],
            "model": plan.shares_model, "rows": plan.rows, "withheld": [w.to_dict() for w in plan.withheld],
            "scope_version": plan.scope_version, "fingerprint": manifest["signer"]["fingerprint"]}, actor)
    except BaseException:
        path.unlink(missing_ok=True)  # a bundle that left without a record in the log must not exist
        raise
    return Exported(path, manifest, plan, ev.seq)
