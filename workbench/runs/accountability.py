"""The report's accountability sections (issue 20): decisions, the model in use, concerns, monitoring, benefits.

Each function takes the (pinned) project and a translator and returns the plain context the report's
template shows, or None when there is nothing to show. Everything is read from the events stored in the
log (as at the run's ledger head when the report is about a run), through the stages' own folds; nothing
is recomputed with today's code, and nothing here writes.

What never appears: who voted how (decisions carry counts only), the member register's codes (only how
many people hold each role), the words of a concern whose author did not choose to share them (the model
lifecycle's reasons may carry them: only their id, date and response are kept here).
"""

from __future__ import annotations

from urllib.parse import urlsplit

STATUS_KEYS = {"agreed": "agreed", "not agreed": "not_agreed", "no quorum": "no_quorum", "open": "open",
               "override": "override"}


def _day(ts) -> str:
    return str(ts or "")[:10]


# -- decisions ------------------------------------------------------------------------------------
def decisions(project, tr) -> dict | None:
    """Every gate decision and every decision on the charter, in the order the log holds them."""
    from ..decisions import DecisionLog, Register
    from ..purpose.charter import CharterHistory

    rows = []
    for c in CharterHistory.load(project.store).decisions:
        result = c.get("result") or ("agreed" if c["kind"] == "charter.agreed" else "not agreed")
        rows.append({"seq": c["seq"], "date": _day(c["ts"]), "gate": "charter",
                     "title": tr("report.dec.charter_title", version=c.get("version", "?")),
                     "status": STATUS_KEYS.get(result, "not_agreed"), "method": "hands", "override": False,
                     "present": c.get("present"), "in_favour": c.get("in_favour"), "against": c.get("against"),
                     "abstain": c.get("abstain"), "rule": c.get("rule", ""), "quorum_needed": 0,
                     "outcome": "", "reason": "", "id": f"charter v{c.get('version', '?')}"})
    for d in DecisionLog.load(project.store).decisions.values():
        x = d.to_dict()
        open_now = d.status == "open"
        tally = d.tally() if open_now else {}
        rows.append({"seq": d.seq, "date": _day(d.closed_ts or d.ts), "gate": d.gate,
                     "title": x["title"] or x["subject"].get("label", ""), "status": STATUS_KEYS.get(d.status, "open"),
                     "method": d.method or ("phones" if d.open_to_phones else ""), "override": d.status == "override",
                     "present": sum(tally.values()) if open_now else x["present"],
                     "in_favour": tally.get("agree", x["in_favour"]), "against": tally.get("disagree", x["against"]),
                     "abstain": tally.get("abstain", x["abstain"]), "rule": x["rule"],
                     "quorum_needed": x["quorum_needed"], "outcome": x["outcome"], "reason": x["reason"],
                     "id": x["id"]})
    rows.sort(key=lambda r: r["seq"])
    if not rows:
        return None
    counts = Register.load(project.store).counts()
    return {"rows": rows, "overrides": sum(r["override"] for r in rows), "members": counts,
            "has_members": any(counts.values())}


# -- the model in use -----------------------------------------------------------------------------
def model_in_use(project, tr) -> dict | None:
    """The adopted model's state (in use, under review, retired) and why it is under review."""
    from ..evaluation.criteria import sentence
    from ..evaluation.lifecycle import status

    st = status(project)
    if st["state"] == "none":
        return None
    model = st["model"] or {}
    reasons = []
    for r in st["reasons"]:
        if r.get("source") == "monitoring":
            reasons.append({"source": "monitoring", "criterion": sentence(tr, {**r, "id": r.get("criterion")}),
                            "group": r.get("group") if r.get("attribute") else tr("monitor.ui.everyone"),
                            "attribute": r.get("attribute") or "", "value": r.get("value"), "lo": r.get("lo"),
                            "hi": r.get("hi"), "n": r.get("n"), "threshold": r.get("threshold"),
                            "period": f"{r.get('date_from') or '?'} – {r.get('date_to') or '?'}"})
        else:  # an upheld concern: its id, date and response; never its words (shared or not)
            reasons.append({"source": "concern", "id": r.get("id", ""), "date": _day(r.get("ts")),
                            "response": r.get("response") or ""})
    key = {"in use": "in_use", "under review": "under_review", "retired": "retired"}[st["state"]]
    return {"state": key, "candidate": model.get("candidate", ""), "run": model.get("run", ""),
            "date": _day(model.get("ts")), "decision": model.get("community_decision") or "",
            "monitoring": [r for r in reasons if r["source"] == "monitoring"],
            "concerns": [r for r in reasons if r["source"] == "concern"]}


# -- concerns -------------------------------------------------------------------------------------
def public_base(url: str | None) -> str | None:
    """The server's origin and path prefix from its address or its join link (never the workshop code)."""
    if not url:
        return None
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path
    if path.endswith("/login"):
        path = path[: -len("login")]
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}/"


def concerns(project, tr, url: str | None = None) -> dict:
    """Counts by status and by what they are about, the responses, the shared words, and where to raise one.

    ``url`` is the workshop server's address; without it, the address of the ``workbench serve`` now serving
    the project, if any; without either, the report names the app's path on the server and draws no QR code.
    """
    import markupsafe

    from ..concerns import STATUSES, concern_link, qr_svg, summary
    from ..presence import served_by

    s = summary(project.store)
    base = public_base(url) or public_base((served_by(project.root) or {}).get("url"))
    link = concern_link(base or "/", tr.language)
    qr = markupsafe.Markup(qr_svg(link)) if base else None
    return {"total": s["total"], "by_status": [(k, s["by_status"].get(k, 0)) for k in STATUSES],
            "status_counts": s["by_status"], "by_about": [(k, n) for k, n in s["by_about"].items()],
            "responses": s["responses"], "shared": s["shared"], "link": link, "full": bool(base), "qr": qr}


# -- monitoring -----------------------------------------------------------------------------------
def monitoring(project, tr) -> dict | None:
    """Each batch with its per-group results, the groups under review, and the lifetime footprint."""
    from ..evaluation.criteria import sentence
    from ..monitoring import lifetime_footprint, status

    st = status(project)
    fp = lifetime_footprint(project)
    if not st["batches"] and not fp["candidates"]:
        return None
    batches = []
    for b in st["batches"]:
        rows = [{"criterion": sentence(tr, {**r, "id": r["criterion"]}),
                 "group": (r["group"] or "—") if r["attribute"] else tr("monitor.ui.everyone"),
                 "value": r.get("value"), "lo": r.get("lo"), "hi": r.get("hi"), "n": r.get("n"),
                 "evaluated": (r.get("evaluated") or {}).get("value"), "status": r["status"],
                 "under_review": r["under_review"]} for r in st["rows"] if r["batch"] == b["seq"]]
        batches.append({**b, "results": rows})
    share = None if fp["share_of_budget"] is None else fp["share_of_budget"] * 100
    return {"batches": batches, "under_review": len(st["under_review"]), "fp": fp,
            "share": None if share is None else f"{share:.1f}" if share >= 0.1 else f"{share:.2g}"}


# -- benefits -------------------------------------------------------------------------------------
def benefits(project, tr, at) -> dict | None:
    """Promised vs delivered per promise and in total, and how many are overdue, as of ``at``."""
    from ..benefits import card_summary

    s = card_summary(project.store, today=at.date().isoformat())
    if not s["promises"] and not s["items"]:
        return None
    return s


def money(amounts: dict, language: str = "en") -> str:
    """``{"BRL": 1200.0}`` as ``1,200.00 BRL`` (``1.200,00 BRL`` in pt-BR; currencies joined), or "—"."""
    from ..i18n import format_number

    if not amounts:
        return "—"
    return "; ".join(f"{format_number(float(v), language, 2)} {k}" for k, v in sorted(amounts.items()))
