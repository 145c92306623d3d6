"""The curated dataset as Croissant 1.0 JSON-LD (MLCommons), with its Responsible-AI (RAI) fields.

What it holds, all from the project's log (offline; nothing is fetched):

- ``distribution``: the raw file as received (``data/<sha256>.<ext>``), and the latest recorded snapshot of
  each use the datasheet names (``artifacts/snapshots/<use>-<hash12>.csv``), each a ``cr:FileObject`` with
  its ``sha256``. Paths are relative to the project folder.
- ``recordSet``: ``rows`` (the raw file's columns, the dropped ones left out) and one per snapshot (its
  ``row`` number first). Types come from the data; the contributor column is described as a pseudonymous
  key, the text column as free text.
- The RAI vocabulary (``rai:``): collection, collection type, personal and sensitive information (the
  datasheet's answer, the personal data the profile found, the group columns), use cases and limitations
  (the consent scope's permitted and forbidden uses, its conditions and Local Contexts labels, the charter),
  biases (group shares and small groups, what consent removed), preprocessing (curation actions),
  annotation (the target column, the data-work ledger), maintenance. Unanswered questions are left out,
  never invented.
- ``license``: the consent scope in force (a ``CreativeWork`` naming its version and hash): the data is
  used under the community's scope, not under a public licence.

No row of the data is written: only column names, types, counts and the category names of labels and groups.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._atomic import atomic_path

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
RAI_CONFORMS_TO = "http://mlcommons.org/croissant/RAI/1.0"
# The standard Croissant 1.0 @context (as in the spec's examples), with the RAI prefix.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
MEDIA_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "parquet": "application/x-parquet",
               "jsonl": "application/jsonlines",
               "excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
USES = ("train", "evaluate")


def _answer(answers: dict, section: str, question: str) -> str:
    return (answers.get((section, question)) or {}).get("text", "")


def _data_type(series, is_date: bool) -> str:
    """The Croissant data type of a column, from its values."""
    import pandas as pd

    api = pd.api.types
    if api.is_bool_dtype(series.dtype):
        return "sc:Boolean"
    if api.is_integer_dtype(series.dtype):
        return "sc:Integer"
    if api.is_float_dtype(series.dtype):
        whole = series.dropna()
        return "sc:Integer" if len(whole) and (whole == whole.round()).all() and series.notna().all() else "sc:Float"
    if api.is_datetime64_any_dtype(series.dtype):
        return "sc:Date"
    values = series.dropna().astype("str")
    if len(values):  # text that is all ISO 8601 dates (or one the mapping names as dates, in any form)
        def parse(v):
            return pd.to_datetime(v, errors="coerce", format="mixed" if is_date else "ISO8601", utc=True)

        parsed = parse(values.head(1000))  # most text columns fail here, before a million rows are parsed
        if parsed.notna().all() and len(values) > 1000:
            parsed = parse(values)
        if parsed.notna().all():
            timed = (parsed != parsed.dt.normalize()).any() or values.str.contains(r"\d[T ]\d", regex=True).any()
            return "sc:DateTime" if timed else "sc:Date"
    return "sc:Text"


def _role(column: str, mapping) -> str:
    if column == mapping.contributor:
        return ("Pseudonymous contributor key: a code, never a name. Consent is checked row by row through it; "
                "it links rows to the consent ledger, not to a person outside the project.")
    if column == mapping.target:
        return "Target: the label given to each row."
    if column == mapping.text:
        return ("Free text written by contributors, in their own words; it may hold personal information "
                "(see rai:personalSensitiveInformation).")
    if column in mapping.groups:
        return "Group column named by the community's charter; used to check results per group."
    if column in mapping.dates:
        return "A date, as written in the file; never a model input."
    return "Other column, kept as received."


def _ids(names: list[str], prefix: str) -> dict[str, str]:
    """A stable, IRI-safe @id per column (``prefix/<name>``, disambiguated)."""
    import re

    out, seen = {}, set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "column"
        ident, n = base, 2
        while ident in seen:
            ident, n = f"{base}_{n}", n + 1
        seen.add(ident)
        out[name] = f"{prefix}/{ident}"
    return out


def _fields(record_set: str, file_id: str, columns: list[str], types: dict, mapping, row: bool = False) -> list:
    names = (["row"] if row else []) + columns
    ids = _ids(names, record_set)
    fields = []
    for name in names:
        is_row = row and name == "row"
        fields.append({
            "@type": "cr:Field", "@id": ids[name], "name": name,
            "description": "Row number in the raw file (0 = first data row)." if is_row else _role(name, mapping),
            "dataType": "sc:Integer" if is_row else types[name],
            "source": {"fileObject": {"@id": file_id}, "extract": {"column": name}},
        })
    return fields


def _scope_sentences(scope) -> tuple[list[str], list[str], str]:
    """(use cases, limitations, labels sentence) from a published scope version."""
    from ..consent.scope import ALWAYS, CHOOSES
    from ..consent.uses import LABELS
    from ..consent.uses import USES as CONSENT_USES

    s = scope.scope
    cases, limits = [], []
    for key, choice in s.uses.items():
        duo = ", ".join(t["id"] for t in CONSENT_USES[key].mapping(choice)["duo"])
        tag = f" [{duo}]" if duo else ""
        if choice == ALWAYS:
            cases.append(f"{key}: permitted by the community's consent scope v{scope.version} for every "
                         f"contributor who consented{tag}.")
        elif choice == CHOOSES:
            cases.append(f"{key}: permitted only for the rows of contributors who chose it (consent scope "
                         f"v{scope.version}){tag}.")
        else:
            limits.append(f"{key}: forbidden by the community's consent scope v{scope.version}{tag}.")
    c = s.conditions
    limits.append("Use is limited to this project's agreed purpose [DUO:0000027].")
    if c.expiry_months:
        limits.append(f"Consent lapses {c.expiry_months} months after it is given; the rows of lapsed consent "
                      "leave every later snapshot [DUO:0000025].")
    if c.stays_on_machine:
        limits.append("The data stays on the community's own machine; only aggregates and models permitted "
                      "above may leave it.")
    if c.collaboration_required:
        limits.append("Use requires collaboration with the community [DUO:0000020].")
    if c.derived_data_returned:
        limits.append("Derived data must be returned to the community [DUO:0000029].")
    if c.new_use_approver:
        limits.append(f"A new use needs the approval of: {c.new_use_approver}.")
    if c.benefit_sharing:
        limits.append(f"Benefit sharing agreed: {' '.join(c.benefit_sharing.split())}")
    labels = ", ".join(f"{LABELS[k].name} ({LABELS[k].code})" for k in s.labels)
    if labels:
        limits.append(f"Local Contexts labels: {labels}.")
    limits.append("Withdrawn, refused, expired and missing consent is enforced row by row: each snapshot holds "
                  "only the rows a use may take at its time.")
    return cases, limits, labels


def _pct(x) -> str:
    return f"{100 * float(x):.1f}%"


def build(project, at=None, *, take_snapshots: bool = True, known: dict | None = None) -> dict:
    """The Croissant JSON-LD of the project's current dataset, as a dict.

    ``known``: :func:`workbench.curation.datasheet.facts` already computed for ``at`` (else computed here).
    A use's snapshot not yet recorded is taken (and logged), as the datasheet does, unless ``take_snapshots``
    is false (then it is left out)."""
    from ..consent.scope import ScopeHistory
    from . import snapshot as snapshots
    from .datasheet import answers as read_answers
    from .datasheet import facts
    from .importer import load_frame, require_current

    ds = require_current(project.store)
    f = known if known is not None else facts(project, USES, at)
    ans = read_answers(project.store)
    frame = load_frame(project, ds)
    m = ds.mapping
    columns = [c for c in ds.columns if c not in m.drop]
    roles = set(m.string_columns())  # contributor, target, groups, text: read as text, said as text
    types = {c: "sc:Text" if c in roles else _data_type(frame[c], c in m.dates) for c in columns}

    raw_path = ds.path(project)
    distribution = [{
        "@type": "cr:FileObject", "@id": "raw", "name": "raw",
        "description": f"The file as received ({ds.original_name or ds.file}), stored unchanged and named by "
                       "its content hash. Every row, before consent and curation.",
        "contentUrl": f"data/{ds.file}", "contentSize": f"{raw_path.stat().st_size} B",
        "encodingFormat": MEDIA_TYPES.get(ds.format, "application/octet-stream"), "sha256": ds.sha256,
    }]
    instances = _answer(ans, "composition", "instances")
    record_sets = [{"@type": "cr:RecordSet", "@id": "rows", "name": "rows",
                    "description": "The raw file's columns (the dropped ones left out)."
                    + (f" Each row: {instances}" if instances else ""),
                    "field": _fields("rows", "raw", columns, types, m)}]
    for use, snap in f["snapshots"].items():
        last = snapshots.latest(project.store, use)
        if last is None or last.content_sha256 != snap["content_sha256"]:
            if not take_snapshots:
                continue
            last = snapshots.take(project, use, at)
        ident = f"snapshot-{use}"
        distribution.append({
            "@type": "cr:FileObject", "@id": ident, "name": ident,
            "description": f"The curated snapshot for the use '{use}' at {last.at}: the {last.rows} rows that "
                           f"use may take (consent and curation applied), canonical CSV named by its content hash.",
            "contentUrl": f"artifacts/{last.file}", "encodingFormat": "text/csv", "sha256": last.content_sha256,
        })
        snap_cols = [c for c in last.columns if c != "row"]
        record_sets.append({"@type": "cr:RecordSet", "@id": use, "name": use,
                            "description": f"Rows the use '{use}' may take ({last.rows} of {ds.rows}).",
                            "field": _fields(use, ident, snap_cols, {**types, **{c: "sc:Text" for c in snap_cols
                                                                                 if c not in types}}, m, row=True)})

    scope = ScopeHistory.load(project.store).latest
    charter = f.get("charter") or {}
    title = charter.get("title") or f"{project.name} dataset"
    description = " ".join(x for x in (
        charter.get("problem") or f.get("purpose") or _answer(ans, "motivation", "purpose"),
        f"{ds.rows} rows from {f['dataset']['contributors']} contributors, curated with Commons Workbench: "
        "consent is enforced row by row, and every snapshot is named by its content hash.") if x)

    stamps = [snapshots.latest(project.store, u) for u in f["snapshots"]]
    published = max((s.at for s in stamps if s is not None), default="") or _now()
    doc: dict = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [CONFORMS_TO, RAI_CONFORMS_TO],
        "name": title,
        "description": description,
        "version": f"1.{scope.version if scope else 0}.0",
        "inLanguage": list(project.config.languages),
        "keywords": ["commons-workbench", "community-curated", "consent"],
        "creator": {"@type": "sc:Organization", "name": project.name},
        "datePublished": published[:10],
        "citeAs": _cite(project.name, title, published[:4], ds.sha256),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if scope is not None:
        doc["license"] = {"@type": "sc:CreativeWork", "name": f"Community consent scope, version {scope.version}",
                          "identifier": f"sha256:{scope.hash}",
                          "description": "The data may be used only as the community's published consent scope "
                                         "permits (workbench consent scope DIR --jsonld: an ODRL policy with DPV "
                                         "and DUO terms)."}
        doc["conditionsOfAccess"] = f"Held by {scope.scope.holder}." + (
            f" Contact: {scope.scope.contact}" if scope.scope.contact else "")
    doc.update(_rai(f, ans, m, scope))
    return doc


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def _cite(author: str, title: str, year: str, sha256: str) -> str:
    """A BibTeX entry (braces, backslashes and backticks taken out of the people's words so the entry stays well formed)."""
    def clean(text: str) -> str:
        return " ".join(str(text).translate({ord(c): None for c in "{}\\`"}).split())

    return (f"@misc{{commons-workbench-{sha256[:12]}, title = {{{clean(title)}}}, author = {{{clean(author)}}}, "
            f"year = {{{year}}}, note = {{Curated with Commons Workbench; raw file sha256 {sha256}}}}}")


def _rai(f: dict, ans: dict, m, scope) -> dict:
    out: dict = {}
    collection = " ".join(x for x in (_answer(ans, "collection", "how_collected"),
                                      _answer(ans, "collection", "notified")) if x)
    if collection:
        out["rai:dataCollection"] = collection
    out["rai:dataCollectionType"] = ["Others"]
    waterfall = (f.get("waterfall") or {}).get("train")
    if waterfall:
        out["rai:dataCollectionMissingData"] = (
            f"Of {waterfall['raw']} raw rows, the train snapshot keeps {waterfall['kept']}: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in waterfall.items() if k not in ("raw", "kept") and v)
            + " left out." + (f" {_answer(ans, 'composition', 'missing_info')}"
                              if _answer(ans, "composition", "missing_info") else ""))
    out["rai:dataCollectionRawData"] = (f"The raw file is kept unchanged under data/ (sha256 "
                                        f"{f['dataset']['sha256']}); it is never shared beyond the scope.")

    sensitive = []
    if _answer(ans, "composition", "sensitive"):
        sensitive.append(_answer(ans, "composition", "sensitive"))
    sensitive.append(f"Column '{m.contributor}' is a pseudonymous contributor code, not a name.")
    for row in (f.get("profile") or {}).get("pii") or []:
        sensitive.append(f"Personal data found by the workbench's checks: {row['kind']} in column "
                         f"'{row['column']}' ({row['rows']} rows).")
    if m.groups:
        sensitive.append("Group columns (possibly demographic): " + ", ".join(f"'{g}'" for g in m.groups) + ".")
    out["rai:personalSensitiveInformation"] = sensitive

    cases, limits, _labels = _scope_sentences(scope) if scope is not None else ([], [], "")
    charter = f.get("charter") or {}
    cases = [*([_answer(ans, "uses", "tasks")] if _answer(ans, "uses", "tasks") else []),
             *(f"Intended use (charter): {t}" for t in charter.get("intended_uses") or []), *cases]
    if cases:
        out["rai:dataUseCases"] = cases
    limits = [*([_answer(ans, "uses", "avoid")] if _answer(ans, "uses", "avoid") else []),
              *(f"Out of scope (charter): {t}" for t in charter.get("out_of_scope") or []), *limits]
    if limits:
        out["rai:dataLimitations"] = limits

    biases = []
    kept = f.get("kept_profile") or {}
    for g in kept.get("groups") or []:
        ref = g.get("reference")
        ref_text = f" (reference {_pct(ref)})" if ref is not None and ref == ref else ""
        small = f"; fewer than {kept.get('min_group_size')} rows" if g.get("small") else ""
        name = "(missing)" if g.get("group") is None else g["group"]
        biases.append(f"{g['attribute']} = {name}: {g['count']} rows in the train snapshot, "
                      f"{_pct(g['share'])}{ref_text}{small}.")
    if waterfall:
        biases.append("Consent changes who is represented: only the rows of contributors who consented to a use "
                      "are in its snapshot; compare the raw and kept group shares.")
    if biases:
        out["rai:dataBiases"] = biases

    prep = [_answer(ans, "preprocessing", q) for q in ("cleaning", "raw_kept") if _answer(ans, "preprocessing", q)]
    prep += [f"{a['kind']}: {a['what']}" + (f" (reason: {a['reason']})" if a.get("reason") else "")
             for a in f.get("actions") or [] if a.get("active") and a.get("kind") != "reverted"]
    if prep:
        out["rai:dataPreprocessingProtocol"] = prep

    work = f.get("datawork") or {}
    if m.target:
        out["rai:annotationsPerItem"] = f"One label per row, in column '{m.target}'."
        hours = (work.get("by_task") or {}).get("labelling")
        if work.get("workers"):
            out["rai:dataAnnotationProtocol"] = [
                f"Data work recorded in the project's ledger: {work['workers']} people (pseudonyms), "
                f"{work.get('hours', 0):g} hours" + (f", of which labelling {hours:g} hours" if hours else "")
                + "; pay is checked against the agreed floor."]
    who = _answer(ans, "collection", "who_involved")
    if who:
        out["rai:annotatorDemographics"] = [who]
    if scope is not None and scope.scope.conditions.benefit_sharing:
        out["rai:dataSocialImpact"] = "Benefit sharing: " + " ".join(scope.scope.conditions.benefit_sharing.split())
    plan = " ".join(x for x in (_answer(ans, "maintenance", "maintainer"), _answer(ans, "maintenance", "updates"))
                    if x)
    if plan:
        out["rai:dataReleaseMaintenancePlan"] = plan
    return out


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def check_target(project, path, force: bool, what: str) -> Path:
    """Refuse to write over the project's records (raw files, snapshots) ever, or over another file without
    ``force``."""
    from ..errors import WorkbenchError

    path = Path(path)
    resolved = path.resolve()
    for folder in (Path(project.data_dir), Path(project.artifacts_dir) / "snapshots"):
        if resolved.is_relative_to(folder.resolve()):
            raise WorkbenchError(f"{path} is among the project's records (data/ or artifacts/snapshots/), which "
                                 "are never overwritten.", f"Write the {what} somewhere else.",
                                 key="curation.export.error.record", path=str(path))
    if path.exists() and not force:
        raise WorkbenchError(f"{path} already exists.", "Choose another name, or add --force to replace it.",
                             key="curation.export.error.exists", path=str(path))
    return path


def write(project, out=None, at=None, *, force: bool = False) -> Path:
    """Write the Croissant JSON-LD (default ``artifacts/croissant.json``, replaced freely) atomically; an ``out``
    that exists is replaced only with ``force``. Returns its path."""
    if out:
        target = check_target(project, out, force, "Croissant file")
    else:
        target = Path(project.artifacts_dir) / "croissant.json"
    text = to_json(build(project, at))
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
