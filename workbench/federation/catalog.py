"""The project's catalog of other communities' bundles, and of results others sent back about our model.

``catalog add`` (:func:`add_to_catalog`) verifies a bundle (:func:`.verify.verify_bundle`)
and copies its checked parts into ``DIR/catalog/<community id>/<manifest hash>/``
(never anywhere else: every path is checked to stay inside ``DIR/catalog``),
then logs ``federation.catalog_added``. A result of a federated evaluation of
one of our models goes to ``DIR/catalog/<community id>/results/<hash>/`` and
logs ``federation.result_imported``.

A community's key is pinned on first import: a later bundle that names the same
community but is signed by another key is refused (someone else may be
speaking in their name).

:func:`entries` folds the log into the catalog (the latest bundle per
community); each :class:`CatalogEntry` re-checks the signature and the hashes
of its files when read, so a catalog changed on disk says so.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbenchError
from . import _format as F
from .keys import PublicKey
from .verify import COMMUNITY_ID_RE, BundleError, VerifiedBundle, verify_bundle

CATALOG_DIR = "catalog"
ADDED, RESULT_IMPORTED = "federation.catalog_added", "federation.result_imported"
REMOVED = "federation.catalog_removed"


def catalog_root(project) -> Path:
    return (Path(project.root) / CATALOG_DIR).absolute()


def _inside(root: Path, target: Path) -> Path:
    """``target`` resolved, refused unless it stays inside ``root`` (itself resolved)."""
    root_r = root.resolve()
    resolved = target.resolve()
    if resolved != root_r and root_r not in resolved.parents:
        raise BundleError(f"Refusing to write {target}: it is outside the project's catalog folder.",
                          key="federation.error.outside", path=str(target))
    return resolved


@dataclass
class CatalogEntry:
    """One community's bundle in our catalog; documents are read lazily and checked against the manifest."""

    community_id: str
    name: str
    languages: list[str]
    country: str
    fingerprint: str
    manifest_sha256: str
    folder: Path
    added_at: str
    seq: int
    shares: dict = field(default_factory=dict)
    _manifest: dict | None = None

    @property
    def id(self) -> str:
        """The short id people type: the community id's first eight characters."""
        return self.community_id[:8]

    # -- checked reads ---------------------------------------------------------------------------
    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            body = (self.folder / F.MANIFEST).read_bytes()
            signature = base64.b64decode((self.folder / F.SIGNATURE).read_bytes().strip())
            manifest = json.loads(body)
            public = PublicKey.from_b64(manifest["signer"]["public_key"])
            if F.sha256(body) != self.manifest_sha256 or not public.verify(signature, body):
                raise BundleError(f"The catalog's copy of {self.name}'s manifest was changed since it was added.",
                                  "Add their bundle again.", key="federation.error.catalog_changed",
                                  part=F.MANIFEST)
            self._manifest = manifest
        return self._manifest

    @property
    def parts(self) -> dict[str, dict]:
        return {p["path"]: p for p in self.manifest["parts"]}

    @property
    def community(self) -> dict:
        return self.manifest["community"]

    def has(self, path: str) -> bool:
        return path in self.parts

    def read(self, path: str) -> bytes:
        entry = self.parts.get(path)
        if entry is None:
            raise BundleError(f"{self.name}'s bundle has no part {path}.", key="federation.error.no_part", part=path)
        target = _inside(self.folder, self.folder / path)
        data = target.read_bytes() if target.is_file() else b""
        if F.sha256(data) != entry["sha256"]:
            raise BundleError(f"The catalog's copy of {path} from {self.name} was changed since it was added.",
                              "Add their bundle again.", key="federation.error.catalog_changed", part=path)
        return data

    def json(self, path: str):
        return json.loads(self.read(path).decode("utf-8")) if self.has(path) else None

    @property
    def scope(self) -> dict | None:
        return self.json("scope.json")

    @property
    def charter(self) -> dict | None:
        return self.json("charter.json")

    @property
    def evaluation(self) -> dict | None:
        return self.json("evaluation.json")

    @property
    def model_info(self) -> dict | None:
        return self.json("model/model_info.json")

    @property
    def shares_model(self) -> bool:
        return bool(self.model_info) and self.has(self.model_info.get("file", ""))

    def intact(self) -> tuple[bool, str]:
        """(every file matches the signed manifest, the first that does not)."""
        try:
            for path in self.parts:
                self.read(path)
        except (BundleError, OSError, KeyError, ValueError) as exc:
            return False, getattr(exc, "params", {}).get("part", F.MANIFEST)
        return True, ""

    def summary(self) -> dict:
        """What the catalog app lists: purpose, community, languages, labels, criteria, footprint, uses."""
        scope = self.scope or {}
        charter = (self.charter or {}).get("charter", {})
        evaluation = self.evaluation or {}
        fp = evaluation.get("footprint") or {}
        return {
            "id": self.id, "community_id": self.community_id, "community": self.name, "languages": self.languages,
            "country": self.country, "title": charter.get("title", ""), "purpose": charter.get("problem", ""),
            "intended_uses": [i.get("text", "") for i in charter.get("intended_uses", [])],
            "out_of_scope": [i.get("text", "") for i in charter.get("out_of_scope", [])],
            "labels": list(scope.get("labels", [])),
            "uses": dict(scope.get("uses") or {}),
            "conditions": scope.get("conditions") or {},
            "criteria": [{"id": c.get("id"), "status": c.get("status"), "metric": c.get("metric"),
                          "value": c.get("value")} for c in evaluation.get("criteria", [])],
            "footprint_kwh": fp.get("total_kwh"), "co2_kg": fp.get("total_co2_kg"),
            "model": self.shares_model, "candidate": (self.model_info or {}).get("candidate"),
            "fingerprint": self.fingerprint, "added_at": self.added_at,
        }


# -- the fold ------------------------------------------------------------------------------------------
def _entry(project, ev) -> CatalogEntry:
    p = ev.payload
    return CatalogEntry(p["community"], p.get("name", ""), list(p.get("languages", [])), p.get("country", ""),
                        p["fingerprint"], p["manifest_sha256"], Path(project.root) / p["folder"], ev.ts, ev.seq,
                        dict(p.get("shares") or {}))


def entries(project) -> list[CatalogEntry]:
    """The latest bundle of each community in the catalog, in the order they were first added (removed ones left out)."""
    latest: dict[str, CatalogEntry] = {}
    for ev in project.store.events(kinds=[ADDED, REMOVED]):
        if ev.kind == REMOVED:
            latest.pop(ev.payload["community"], None)
        else:
            latest[ev.payload["community"]] = _entry(project, ev)
    return list(latest.values())


MIN_PREFIX = 8  # the short id shown by 'catalog list'; a shorter prefix is never enough


def find(project, model: str) -> CatalogEntry:
    """The entry a person names: its full community id, or an unambiguous prefix of at least 8 characters,
    or its exact name. Anything that could name two communities is refused, listing the full ids.

    An impostor can take another community's short id (or name) as its own id or name; then the typed text
    matches both, and nothing is chosen for the person.
    """
    from ..text import snippet

    text = str(model or "").strip()
    low = text.lower()
    found = entries(project)
    hits = {e.community_id: e for e in found
            if e.community_id == text
            or (len(text) >= MIN_PREFIX and e.community_id.lower().startswith(low))
            or e.name.strip().lower() == low}
    if len(hits) == 1:
        return next(iter(hits.values()))
    known = ", ".join(f"{e.community_id} ({_display(e.name)})" for e in found) or "none yet"
    raise WorkbenchError(f"{'Several' if hits else 'No'} models in the catalog match {snippet(text)!r}.",
                         f"Use a full id: {known}.", key="federation.error.no_model_match",
                         model=snippet(text), known=known)


def _display(text) -> str:
    """A name from another community, safe to print: no terminal or bidi controls, one line."""
    from ..text import snippet

    return snippet(text, 80)


def _pinned(project, community_id: str) -> str | None:
    for ev in project.store.events(kinds=[ADDED, RESULT_IMPORTED]):
        p = ev.payload
        if p.get("community") == community_id:
            return p.get("fingerprint")
    return None


def _extract(bundle: VerifiedBundle, root: Path, folder: Path) -> None:
    """Copy the manifest, signature and checked parts into ``folder`` (appears whole or not at all)."""
    folder = _inside(root, folder)
    if folder.exists():
        shutil.rmtree(folder)
    tmp = _inside(root, folder.with_name(f".{folder.name}.{os.getpid()}.partial"))
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        (tmp / F.MANIFEST).write_bytes(bundle.manifest_bytes)
        (tmp / F.SIGNATURE).write_bytes(base64.b64encode(bundle.signature) + b"\n")
        for path in bundle.parts:
            target = _inside(tmp, tmp / path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bundle.read(path))
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _check_key(project, bundle: VerifiedBundle) -> None:
    cid = bundle.community["id"]
    pinned = _pinned(project, cid)
    if pinned and pinned != bundle.fingerprint:
        raise BundleError(f"This bundle says it comes from {bundle.community.get('name', cid)}, but it is signed by "
                          f"another key ({bundle.fingerprint}) than their earlier bundles ({pinned}).",
                          "Ask them by phone or in person whether they changed their key; do not add it until "
                          "they confirm.", key="federation.error.key_changed", community=bundle.community.get(
                              "name", cid), fingerprint=bundle.fingerprint, pinned=pinned)


def add_to_catalog(project, file, actor: str = "facilitator"):
    """Import the verified bundle at ``file``: another community's commons bundle (returns a
    :class:`CatalogEntry`) or a result about our model (returns the result's dict)."""
    bundle = verify_bundle(file)
    cid = bundle.community["id"]
    if not COMMUNITY_ID_RE.match(cid):  # pragma: no cover - verify_bundle refuses it already
        raise BundleError("The bundle does not name its community with a valid id.",
                          key="federation.error.community")
    if bundle.kind == F.KIND_RESULT:
        return _import_result(project, bundle, actor)
    if cid == project.config.id:
        raise BundleError("This bundle is your own community's; the catalog is for other communities' bundles.",
                          key="federation.error.own_bundle")
    _check_key(project, bundle)
    for existing in entries(project):
        if existing.community_id == cid and existing.manifest_sha256 == bundle.manifest_sha256:
            return existing  # already there: adding it twice changes nothing
    _check_lookalike(project, cid, bundle.community.get("name", ""))
    community = bundle.community
    languages, shares = community.get("languages", []), bundle.manifest.get("shares") or {}
    if not isinstance(languages, list) or not isinstance(shares, dict) \
            or not all(isinstance(x, str) for x in languages):
        raise BundleError("The bundle's description of its community is malformed (languages or shares).",
                          "Ask them for a new bundle.", key="federation.error.community")
    rel = Path(CATALOG_DIR) / cid / bundle.manifest_sha256[:16]
    payload = {
        "community": cid, "name": _display(community.get("name", ""))[:200], "languages": languages[:20],
        "country": _display(community.get("country", ""))[:8], "fingerprint": bundle.fingerprint,
        "manifest_sha256": bundle.manifest_sha256, "folder": rel.as_posix(),
        "created_at": str(bundle.manifest.get("created_at", "")), "parts": sorted(bundle.parts), "shares": shares}
    ev = _extract_and_log(project, bundle, rel, ADDED, payload, actor)
    return _entry(project, ev)


def _extract_and_log(project, bundle: VerifiedBundle, rel: Path, kind: str, payload: dict, actor: str):
    """Copy the bundle's parts and append its event as one act: if the event is not committed, the files go."""
    root = catalog_root(project)
    root.mkdir(exist_ok=True)
    folder = Path(project.root) / rel
    existed = folder.exists()
    _extract(bundle, root, folder)
    try:
        return project.store.append(kind, payload, actor)
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # the community's folder, if this was its only bundle
        raise


def _check_lookalike(project, cid: str, name) -> None:
    """Refuse a community that could be taken for one already in the catalog.

    The same id in another letter case; an id or name equal to (or starting with) another's short id;
    the same name under a new id. A community that really changed its id is removed first, on purpose.
    """
    name = _display(name).strip().lower()
    for e in entries(project):
        if e.community_id == cid:
            continue
        other_id, other_name = e.community_id.lower(), e.name.strip().lower()
        short = other_id[:MIN_PREFIX]
        reason = None
        if cid.lower() == other_id:
            reason = "the same id in other letter case"
        elif cid.lower().startswith(short) or other_id.startswith(cid.lower()[:MIN_PREFIX]):
            reason = "an id that starts like theirs"
        elif name and name in (other_name, short, other_id):
            reason = "the same name or their id as its name"
        if reason:
            raise BundleError(
                f"This bundle's community ({cid}, {_display(name) or 'no name'}) could be taken for "
                f"{_display(e.name)} ({e.community_id}), already in the catalog: {reason}.",
                "Check with both communities by phone or in person; if it really is the same community under a "
                f"new id, remove the old entry first with 'workbench catalog remove DIR {e.community_id}'.",
                key="federation.error.lookalike", community=_display(name), other=_display(e.name))


def remove_from_catalog(project, community_id: str, reason: str = "", actor: str = "facilitator") -> CatalogEntry:
    """Take a community's bundle out of the catalog (full id only); logs ``federation.catalog_removed``.

    Its files are deleted once the event is committed; its key stays pinned in the log, so a bundle in
    its name signed by another key is still refused later.
    """
    cid = str(community_id or "").strip()
    entry = next((e for e in entries(project) if e.community_id == cid), None)
    if entry is None:
        known = ", ".join(f"{e.community_id} ({_display(e.name)})" for e in entries(project)) or "none yet"
        raise WorkbenchError(f"No community with the full id {_display(cid)!r} is in the catalog.",
                             f"Use a full id: {known}.", key="federation.error.no_model_match",
                             model=_display(cid), known=known)
    project.store.append(REMOVED, {"community": cid, "name": entry.name, "manifest_sha256": entry.manifest_sha256,
                                   "reason": _display(reason, )[:200]}, actor)
    shutil.rmtree(Path(project.root) / CATALOG_DIR / cid, ignore_errors=True)
    return entry


# -- results of federated evaluations of our model -------------------------------------------------------
def _our_models(project) -> set[str]:
    """The hashes of every model this project adopted, in use or retired since (:func:`.lifecycle.adoptions`)."""
    from ..evaluation.lifecycle import adoptions

    return {a["card"].get("model_sha256") for a in adoptions(project.store)}


def _import_result(project, bundle: VerifiedBundle, actor: str) -> dict:
    subject = bundle.manifest.get("subject") or {}
    if subject.get("community_id") != project.config.id:
        raise BundleError("This result is about another community's model, not yours.",
                          "Send it to the community that made the model.", key="federation.error.not_our_model")
    if subject.get("model_sha256") not in _our_models(project):
        raise BundleError("This result is about a model this project never adopted.",
                          "Check that it was made with a bundle of yours.", key="federation.error.unknown_model")
    _check_key(project, bundle)
    try:
        result = bundle.json("result.json")
        criteria = result.get("criteria", [])
        rows = result.get("rows")
        if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria) \
                or not (rows is None or (isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0)):
            raise TypeError
    except (AttributeError, TypeError, ValueError, UnicodeDecodeError):
        raise BundleError("The result's result.json is malformed (its rows or criteria).",
                          "Ask them for a new result.", key="federation.error.bad_result") from None
    cid = bundle.community["id"]
    rel = Path(CATALOG_DIR) / cid / "results" / bundle.manifest_sha256[:16]
    payload = {"community": cid, "name": _display(bundle.community.get("name", ""))[:200],
               "fingerprint": bundle.fingerprint, "manifest_sha256": bundle.manifest_sha256,
               "folder": rel.as_posix(), "model_sha256": subject.get("model_sha256"),
               "rows": rows, "created_at": str(bundle.manifest.get("created_at", "")),
               "criteria": [{"id": _display(c.get("id"))[:64], "status": _display(c.get("status"))[:32]}
                            for c in criteria]}
    _extract_and_log(project, bundle, rel, RESULT_IMPORTED, payload, actor)
    write_evaluated_by(project)
    return payload


def write_evaluated_by(project, language: str | None = None) -> Path:
    """Write ``artifacts/federation/evaluated_by.md``: the table the model card can carry (see README)."""
    from ..evaluation.artifacts import write_atomic
    from ..i18n import Translator

    path = Path(project.artifacts_dir) / "federation" / "evaluated_by.md"
    write_atomic(path, evaluated_by_markdown(project, Translator(language or project.config.default_language)))
    return path


def evaluated_by(project) -> list[dict]:
    """The latest federated result from each community that evaluated one of our models (one fold, the card's)."""
    from ..evaluation.card import federated_results

    return federated_results(project)


def _md_cell(text) -> str:
    """Another community's text in one Markdown table cell: one line, no HTML, no heading, no pipe."""
    import html

    value = html.escape(_display(text), quote=False).replace("|", "\\|")
    return value.lstrip("#").strip() or "—"


def evaluated_by_markdown(project, tr) -> str:
    """The table "evaluated by N communities" (community, rows, each criterion's outcome), in ``tr``'s language."""
    results = evaluated_by(project)
    lines = [f"## {tr.plural('federation.results.heading', len(results))}", ""]
    if not results:
        return "\n".join([*lines, tr("federation.results.none"), ""])
    lines += [f"| {tr('federation.results.community')} | {tr('federation.results.rows')} | "
              f"{tr('federation.results.criteria')} |", "|---|---|---|"]
    for r in results:
        crit = ", ".join(f"{_md_cell(c['id'])}: {tr('evaluation.status.' + str(c['status']))}"
                         for c in r["criteria"])
        name = _md_cell(r["name"])
        lines.append(f"| {name} | {r.get('rows') if r.get('rows') is not None else '—'} | {crit or '—'} |")
    return "\n".join([*lines, ""])
