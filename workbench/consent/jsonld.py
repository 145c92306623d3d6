"""A published consent scope as JSON-LD: an ODRL policy (``odrl:Set``) with W3C DPV purposes and GA4GH DUO terms.

The shape, for other systems to read (offline: the ``@context`` is inline, nothing is fetched):

- The policy: ``odrl:Set``, identified by the scope's content hash (``ni:///sha-256;...``, RFC 6920), with
  ``dct:identifier`` ``sha256:<hex>``, ``owl:versionInfo`` (the version number), ``dct:issued`` (published)
  and ``dct:valid`` (in force from). ``odrl:assigner`` is the holder (a ``dpv:DataController``), with
  the contact. Local Contexts labels are ``dct:rights``.
- One ``odrl:permission`` per use the scope permits (always / contributor chooses), one ``odrl:prohibition``
  per use it forbids. Each rule names its use (``dct:identifier``), an ODRL action, its DPV purposes and
  processing (``dpv:hasPurpose``, ``dpv:hasProcessing``), the legal basis ``dpv:Consent``, and its DUO
  terms as ``dct:type`` (``http://purl.obolibrary.org/obo/DUO_...``, from :mod:`workbench.consent.uses`),
  with that mapping's note as ``rdfs:comment`` (the matches are nearest matches, not equivalences).
- A permission carries the scope's conditions: ``odrl:constraint`` for the purpose (DUO PS), the expiry
  (``odrl:elapsedTime`` ``<=`` ``P<n>M``, DUO TS) and the data staying on the community's machine
  (``odrl:system``, DUO GS); ``odrl:duty`` for consent (``odrl:obtainConsent``: per use when the contributor
  chooses), collaboration (DUO COL), returning derived data (DUO RTN), approval of new uses (DUO IRB) and
  benefit sharing (``odrl:compensate``).
"""

from __future__ import annotations

import base64
import json

from .uses import CONDITION_TERMS, DPV_CONSENT, LABELS, USES

CONTEXT = {
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "dpv": "https://w3id.org/dpv#",
    "dct": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
}
LOCAL_CONTEXTS = "https://localcontexts.org/label/"


def policy_iri(content_hash: str) -> str:
    """The scope's IRI from its content hash (RFC 6920 named information)."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(content_hash)).decode().rstrip("=")
    return f"ni:///sha-256;{digest}"


def _ref(iri: str) -> dict:
    return {"@id": iri}


def _text(value: str, language: str) -> dict | str:
    return {"@value": value, "@language": language} if language else value


def _rule(key: str, choice: str, policy: str, target: str, rule_type: str) -> dict:
    use = USES[key]
    m = use.mapping(choice)
    rule = {
        "@id": f"{policy}#{key}",
        "@type": rule_type,
        "dct:identifier": key,
        "odrl:target": _ref(target),
        "odrl:action": _ref(use.odrl_action),  # declared with the use (uses.py)
        "dpv:hasPurpose": [_ref(t["iri"]) for t in m["dpv"]["purposes"]],
        "dpv:hasProcessing": [_ref(t["iri"]) for t in m["dpv"]["processing"]],
        "dpv:hasLegalBasis": _ref(DPV_CONSENT.iri),
        "rdfs:comment": use.note,
    }
    if m["duo"]:
        rule["dct:type"] = [_ref(t["iri"]) for t in m["duo"]]
    return rule


def _term(key: str) -> dict:
    return _ref(CONDITION_TERMS[key].iri)


def _conditions(scope, policy: str, choice: str) -> tuple[list, list]:
    """(constraints, duties) every permission carries."""
    c, lang = scope.conditions, scope.language
    constraints = [{
        "@type": "odrl:Constraint", "odrl:leftOperand": _ref("odrl:purpose"), "odrl:operator": _ref("odrl:eq"),
        "odrl:rightOperand": _ref(f"{policy}#purpose"), "dct:type": _term("project_only"),
        "rdfs:comment": "Use is limited to this project's agreed purpose (its charter)."}]
    if c.expiry_months:
        constraints.append({
            "@type": "odrl:Constraint", "odrl:leftOperand": _ref("odrl:elapsedTime"),
            "odrl:operator": _ref("odrl:lteq"),
            "odrl:rightOperand": {"@value": f"P{c.expiry_months}M", "@type": "xsd:duration"},
            "dct:type": _term("expiry_months"),
            "rdfs:comment": "Counted from the time each person gave consent; afterwards their rows leave every use."})
    if c.stays_on_machine:
        constraints.append({
            "@type": "odrl:Constraint", "odrl:leftOperand": _ref("odrl:system"), "odrl:operator": _ref("odrl:eq"),
            "odrl:rightOperand": "the community's own machine", "dct:type": _term("stays_on_machine"),
            "rdfs:comment": "Nearest match (DUO GS is geographical): the data stays on the community's machine."})
    duties = [{
        "@type": "odrl:Duty", "odrl:action": _ref("odrl:obtainConsent"),
        "rdfs:comment": ("Each contributor chooses this use; only the rows of those who chose it may be used."
                         if choice == "chooses" else
                         "Every contributor who consents agrees to this use; their rows may be used.")}]
    if c.collaboration_required:
        duties.append({"@type": "odrl:Duty", "odrl:action": _ref("odrl:inform"), "dct:type": _term(
            "collaboration_required"), "rdfs:comment": "Use requires collaboration with the community."})
    if c.derived_data_returned:
        duties.append({"@type": "odrl:Duty", "odrl:action": _ref("odrl:inform"), "dct:type": _term(
            "derived_data_returned"), "rdfs:comment": "Derived data must be returned to the community."})
    if c.new_use_approver:
        duties.append({"@type": "odrl:Duty", "odrl:action": _ref("odrl:obtainConsent"),
                       "dct:type": _term("new_use_approver"), "odrl:consentingParty": {
                           "@type": "odrl:Party", "schema:name": _text(c.new_use_approver, lang)},
                       "rdfs:comment": "Nearest match (DUO IRB): a new use needs this body's approval."})
    if c.benefit_sharing:
        duties.append({"@type": "odrl:Duty", "odrl:action": _ref("odrl:compensate"),
                       "schema:description": _text(c.benefit_sharing, lang),
                       "rdfs:comment": "Benefit sharing agreed by the community."})
    return constraints, duties


def build(version, target: str | None = None) -> dict:
    """The JSON-LD document of a published :class:`~workbench.consent.scope.ScopeVersion`."""
    scope = version.scope
    policy = policy_iri(version.hash)
    target = target or f"{policy}#data"
    lang = scope.language
    assigner = {"@type": ["odrl:Party", "dpv:DataController"], "schema:name": _text(scope.holder, lang)}
    if scope.contact:
        assigner["schema:contactPoint"] = _text(scope.contact, lang)
    doc: dict = {
        "@context": CONTEXT,
        "@id": policy,
        "@type": "odrl:Set",
        "odrl:uid": _ref(policy),
        "dct:identifier": f"sha256:{version.hash}",
        "owl:versionInfo": str(version.version),
        "dct:issued": {"@value": version.published_at, "@type": "xsd:dateTime"},
        "dct:valid": {"@value": version.effective_at, "@type": "xsd:dateTime"},
        "dct:conformsTo": _ref("http://www.w3.org/ns/odrl/2/"),
        "odrl:assigner": assigner,
        "odrl:target": _ref(target),
        "dpv:hasLegalBasis": _ref(DPV_CONSENT.iri),
    }
    if lang:
        doc["dct:language"] = lang
    permissions, prohibitions = [], []
    for key, choice in scope.uses.items():
        if choice == "never":
            prohibitions.append(_rule(key, choice, policy, target, "odrl:Prohibition"))
        else:
            rule = _rule(key, choice, policy, target, "odrl:Permission")
            rule["odrl:constraint"], rule["odrl:duty"] = _conditions(scope, policy, choice)
            permissions.append(rule)
    doc["odrl:permission"] = permissions
    if prohibitions:
        doc["odrl:prohibition"] = prohibitions
    if scope.labels:
        doc["dct:rights"] = [{"@id": LOCAL_CONTEXTS + LABELS[k].key.replace("_", "-") + "/",
                              "rdfs:label": LABELS[k].name, "skos:notation": LABELS[k].code,
                              "dct:source": f"Local Contexts {LABELS[k].kind} Labels"} for k in scope.labels]
    return doc


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
