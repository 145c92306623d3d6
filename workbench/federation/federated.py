"""Federated evaluation: another community's model comes to our data; only aggregates go back.

Community B runs community A's shared model on B's own curated rows, only those
B's contributors permit for evaluation (the curation stage's ``evaluate``
view, consent enforced row by row), on B's machine. What leaves is a signed
result bundle (kind ``evaluation-result``) holding metrics with intervals per
group and A's criteria checked on them: no rows, no contributor codes, no
texts. A result is broken down only by our mapping's declared group columns
(:func:`allowed_group_columns`): whatever their charter asks, never our ids, texts,
targets, dates or undeclared columns (those requests are listed, by column name, in
``refused_group_columns``). Groups with fewer than ``min_group_size`` rows (default 10)
show no numbers and no name, and when the suppressed groups of an attribute add up to fewer than
that, the next smallest groups are suppressed too, so the overall count minus
the published ones cannot reveal a small group. A class metric whose support
is under the minimum (three urgent messages in a group) is suppressed as well.

The model must be a skops file (a pickle from another community could run any
code when loaded; skops loads only trusted types: see
:func:`workbench.evaluation.artifacts.load_model`). B's scope must permit
publishing counts and metrics, since the result leaves B.
Logs ``federation.evaluated`` in B's log; A imports the result with ``catalog add``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from . import _format as F

EVALUATED = "federation.evaluated"
RESULT_FORMAT = "commons-workbench-federated-result"
MIN_GROUP = 10
N_BOOT = 200


@dataclass(frozen=True)
class FederatedResult:
    path: Path
    result: dict
    manifest: dict


def _source(project, model_ref):
    """A verified bundle file, or the catalog entry the reference names."""
    from .catalog import _check_key, _check_lookalike, entries, find
    from .verify import verify_bundle

    path = Path(str(model_ref)).expanduser()
    if path.suffix == ".zip" or path.is_file():
        bundle = verify_bundle(path)
        # The same identity rules as 'catalog add': a pinned community's key, no look-alike of one we know.
        _check_key(project, bundle)
        if not any(e.community_id == bundle.community["id"] for e in entries(project)):
            _check_lookalike(project, bundle.community["id"], bundle.community.get("name", ""))
        return bundle
    return find(project, str(model_ref))


def _load_model(source, info: dict, budget_mb: int = 200):
    from ..evaluation.artifacts import load_model

    name = str(info.get("file", ""))
    if not name.endswith(".skops"):
        raise WorkbenchError("Their model is not a skops file; a pickle from elsewhere could run any code when "
                             "loaded, so the workbench does not load it.", "Ask them to export it again.",
                             key="federation.error.not_skops")
    data = source.read(name)
    if F.sha256(data) != info.get("sha256"):
        raise WorkbenchError("Their model's file does not match the hash in its description.",
                             key="federation.error.part_changed", part=name)
    with tempfile.TemporaryDirectory(prefix="wb-fed-") as tmp:
        path = Path(tmp) / "model.skops"
        path.write_bytes(data)
        return load_model(path, sha256=info["sha256"], budget=budget_mb * 1_000_000)


def _inputs(frame, info: dict, mapping):
    """Our rows shaped as their model reads them (their text and target names mapped onto ours)."""
    features = info.get("features") or {}
    x = frame.copy()
    their_text, our_text = features.get("text") or info.get("text"), mapping.text
    if their_text and their_text not in x.columns and our_text in x.columns:
        x[their_text] = x[our_text]
    needed = [*features.get("categorical", []), *features.get("numeric", []), *([their_text] if their_text else [])]
    missing = [c for c in needed if c not in x.columns]
    if missing:
        raise WorkbenchError(f"Their model reads columns your data does not have: {', '.join(missing)}.",
                             "Map your columns to theirs in the curation app, or choose another model.",
                             key="federation.error.columns", columns=", ".join(missing))
    return x


def allowed_group_columns(mapping, columns) -> list[str]:
    """The only columns a result may be broken down by: our mapping's declared group attributes.

    Never the contributor id, the target, the text, a dropped column or anything the mapping does not
    declare as a group (ids, dates, free text), whatever another community's charter asks for: a group's
    name is a value of that column, and it would leave with the result.
    """
    never = {mapping.contributor, mapping.target, mapping.text, *mapping.drop} - {None}
    present = set(columns)
    return [g for g in mapping.groups if g not in never and g in present]


def suppress(table, min_size: int):
    """(rows as dicts with small groups and small-support metrics suppressed, the suppressed groups)."""
    import numpy as np

    from ..evaluation.metrics import OVERALL

    sizes = table[(table["metric"] == "accuracy") & (table["attribute"] != OVERALL)][["attribute", "group", "n"]]
    hidden: set[tuple[str, str]] = set()
    for attribute, part in sizes.groupby("attribute", sort=False):
        part = part.sort_values("n", kind="mergesort")
        small = part[part["n"] < min_size]
        hidden |= {(attribute, g) for g in small["group"]}
        total = int(small["n"].sum())  # = the overall count minus the published groups: it must not be small
        for row in part[part["n"] >= min_size].itertuples(index=False):
            if not 0 < total < min_size:
                break
            hidden.add((attribute, row.group))  # complementary suppression
            total += int(row.n)
    keys = list(zip(table["attribute"], table["group"], strict=True))
    group_hidden = np.fromiter(((a, g) in hidden for a, g in keys), dtype=bool, count=len(keys))
    support_small = table["support"].to_numpy() < min_size
    off = group_hidden | support_small
    def num(x, off_: bool):
        return None if off_ or x is None or not np.isfinite(x) else round(float(x), 6)

    rows = []
    for r, is_off, g_off in zip(table.itertuples(index=False), off, group_hidden, strict=True):
        rows.append({"attribute": r.attribute, "group": None if g_off else r.group, "metric": r.metric,
                     "label": r.label,
                     "value": num(r.value, is_off), "lo": num(r.lo, is_off), "hi": num(r.hi, is_off),
                     "n": None if g_off else int(r.n), "suppressed": bool(is_off)})
    return rows, hidden


def _criteria(criteria, report, min_size: int, hidden: set) -> list[dict]:
    from ..evaluation.criteria import check_all

    checked = []
    for c in criteria:
        c = dict(c)
        if c.get("id") == "footprint" or c.get("metric") == "energy_kwh":
            continue  # their energy budget is about their training, not our evaluation
        c["min_group_size"] = max(int(c.get("min_group_size") or 1), min_size)
        checked.append(c)
    out = []
    for res in check_all(checked, report):
        d = res.to_dict()
        attr = d.get("attribute")
        groups = []
        for g in d.get("groups") or []:
            if (attr, g.get("group")) in hidden or (g.get("n") or 0) < min_size:
                g = {**g, "group": None, "value": None, "lo": None, "hi": None, "n": None, "suppressed": True}
            groups.append(g)
        d["groups"] = groups
        names = str(d.get("group") or "").split(" – ")
        if any((attr, name) in hidden for name in names):
            d.update(group=None, value=None, lo=None, hi=None, n=None, suppressed=True)
        d["params"] = _scrub_params(d.get("params") or {}, attr, hidden)
        out.append(d)
    return out


def _scrub_params(params: dict, attr, hidden: set) -> dict:
    """A reason's parameters without the names of suppressed groups (they say how many instead)."""
    out = dict(params)
    if "group" in out and (attr, out["group"]) in hidden:
        out["group"] = "(suppressed)"
    if isinstance(out.get("groups"), str):
        names = [n for n in out["groups"].split(", ") if n]
        kept = [n for n in names if (attr, n) not in hidden]
        gone = len(names) - len(kept)
        out["groups"] = ", ".join(kept + ([f"{gone} suppressed"] if gone else []))
    return out


def federated_evaluate(project, model_ref, out_file, *, min_group_size: int = MIN_GROUP, n_boot: int = N_BOOT,
                       seed: int = 0, at=None, actor: str = "facilitator") -> FederatedResult:
    """Evaluate another community's shared model (a bundle file or catalog id) on our permitted evaluation rows;
    write the signed, aggregate-only result to ``out_file``; log ``federation.evaluated``."""
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from ..consent.scope import NEVER, ScopeHistory
    from ..curation import snapshot
    from ..evaluation.metrics import group_metrics
    from ..purpose.charter import CharterHistory
    from . import keys

    keys.public_key(project.root)  # no key, no signed result: say so first
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int) or min_group_size < 1:
        raise WorkbenchError(f"The minimum group size must be a whole number of 1 or more, not {min_group_size!r}.",
                             key="federation.error.min_group", value=str(min_group_size))
    ours = ScopeHistory.load(project.store).require_latest()
    if ours.scope.uses["publish_aggregates"] == NEVER:
        raise WorkbenchError("Your scope does not permit publishing counts and metrics, so a result cannot leave.",
                             "Change the scope with the community first, if they agree.",
                             key="federation.error.our_aggregates")
    source = _source(project, model_ref)
    if source.community["id"] == project.config.id:
        raise WorkbenchError("This is your own community's model; evaluate it in the evaluation app.",
                             key="federation.error.own_bundle")
    info = json.loads(source.read("model/model_info.json")) if source.has("model/model_info.json") else None
    if not info or not source.has(str(info.get("file", ""))):
        raise WorkbenchError(f"{source.community.get('name', '')}'s bundle does not share a model.",
                             "Ask them; their scope may not permit sharing models.",
                             key="federation.error.no_shared_model", community=source.community.get("name", ""))
    model = _load_model(source, info, project.config.limits.model_mb)
    view, ds, inputs, digest, _data = snapshot.compute(project, "evaluate", at)
    mapping = ds.mapping
    frame = view.frame
    target = mapping.target
    if not target or target not in frame.columns:
        raise WorkbenchError("Your dataset's mapping names no target column to compare the model's answers with.",
                             "Name it in the curation app.", key="evaluation.error.no_target_mapped")
    frame = frame[frame[target].notna() & (frame[target].astype(str).str.strip() != "")]
    if len(frame) < min_group_size:
        raise WorkbenchError(f"Only {len(frame)} rows are permitted for evaluation, fewer than the minimum of "
                             f"{min_group_size} a result may be about.", "Collect more consent first.",
                             key="federation.error.too_few_rows", rows=len(frame), min=min_group_size)
    x = _inputs(frame, info, mapping)
    with threadpool_limits(1):
        predicted = pd.Series(model.predict(x), index=frame.index).astype(str)
    truth = frame[target].astype(str)
    their_criteria = []
    if source.has("charter.json"):
        doc = json.loads(source.read("charter.json"))
        their_criteria = (doc.get("criteria") or {}).get("criteria", [])
    history = CharterHistory.load(project.store)
    version = history.latest_agreed() or history.latest
    allowed = allowed_group_columns(mapping, frame.columns)
    ours_wanted = (version.charter.groups if version else []) or list(mapping.groups)
    groups = [g for g in ours_wanted if g in allowed]
    asked = [str(c.get("attribute")) for c in their_criteria if c.get("attribute") not in (None, "", "overall")]
    refused_groups = sorted({a for a in asked if a not in allowed})
    groups += [a for a in dict.fromkeys(asked) if a in allowed and a not in groups]
    their_criteria = [c for c in their_criteria if c.get("attribute") in (None, "", "overall")
                      or c.get("attribute") in allowed]
    labels = sorted(set(map(str, info.get("labels") or [])) | set(truth.unique()) | set(predicted.unique()))
    report = group_metrics(truth, predicted, frame[groups] if groups else None, labels=labels, attributes=groups,
                           min_group_size=min_group_size, n_boot=n_boot, seed=seed)
    rows, hidden = suppress(report.table, min_group_size)
    result = {
        "format": RESULT_FORMAT, "format_version": 1,
        "model": {"community_id": source.community["id"], "community": source.community.get("name", ""),
                  "manifest_sha256": source.manifest_sha256, "model_sha256": info["sha256"],
                  "candidate": info.get("candidate")},
        "evaluator": F.community_of(project), "created_at": F.now_iso(), "min_group_size": min_group_size,
        "n_boot": n_boot, "seed": seed, "rows": int(len(frame)), "labels": labels, "groups": groups,
        "metrics": rows, "criteria": _criteria(their_criteria, report, min_group_size, hidden),
        "suppressed_groups": len(hidden), "refused_group_columns": refused_groups,
        "data": {"use": "evaluate", "snapshot_sha256": digest, "scope_version": ours.version,
                 "at": inputs.get("at")},
    }
    subject = {"community_id": source.community["id"], "manifest_sha256": source.manifest_sha256,
               "model_sha256": info["sha256"]}
    body = (json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()
    path, manifest = F.write_signed(project, out_file, F.KIND_RESULT, {"result.json": ("result", body)},
                                    {"subject": subject})
    try:
        project.store.append(EVALUATED, {
            "model_community": source.community["id"], "model_name": source.community.get("name", ""),
            "manifest_sha256": source.manifest_sha256, "model_sha256": info["sha256"], "file": path.name,
            "result_sha256": F.sha256(body), "rows": int(len(frame)), "suppressed_groups": len(hidden),
            "criteria": [{"id": c["id"], "status": c["status"]} for c in result["criteria"]]}, actor)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FederatedResult(path, result, manifest)
