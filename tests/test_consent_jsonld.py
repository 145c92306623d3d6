"""The published consent scope as JSON-LD (issue 24, formats): an ODRL policy with DPV purposes and DUO term
IRIs, parsed by ``rdflib`` into a graph and checked triple by triple. Offline: the @context is inline."""

from __future__ import annotations

import json

import pytest

from workbench.cli import run_cli
from workbench.consent import jsonld
from workbench.consent.scope import Conditions, ScopeHistory
from workbench.consent.uses import DUO_IRI, USES

from .consent_support import make_scope, new_project
from .gates import publish

rdflib = pytest.importorskip("rdflib", reason="JSON-LD checks need rdflib (test extra)")
# rdflib's own JSON-LD parser builds a ConjunctiveGraph, deprecated in rdflib 7.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ODRL = rdflib.Namespace("http://www.w3.org/ns/odrl/2/")
DPV = rdflib.Namespace("https://w3id.org/dpv#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
RDF, XSD, OWL = rdflib.RDF, rdflib.XSD, rdflib.OWL
DUO = rdflib.Namespace(DUO_IRI)


@pytest.fixture
def project(tmp_path):
    p = new_project(tmp_path)
    publish(p.store, make_scope())
    scope = make_scope(conditions=Conditions(expiry_months=24, benefit_sharing="A party.", collaboration_required=True,
                                             derived_data_returned=True, new_use_approver="The assembly"),
                       language="en")
    publish(p.store, scope)
    yield p
    p.close()


def _graph(text: str):
    return rdflib.Graph().parse(data=text, format="json-ld")


def _rule(g, policy, kind, use):
    rules = [r for r in g.objects(policy, ODRL[kind]) if (r, DCT.identifier, rdflib.Literal(use)) in g]
    assert len(rules) == 1, (kind, use, rules)
    return rules[0]


def test_policy_has_a_permission_per_permitted_use_and_a_prohibition_per_forbidden_one(project):
    version = ScopeHistory.load(project.store).latest
    g = _graph(jsonld.to_json(jsonld.build(version)))
    policy = rdflib.URIRef(jsonld.policy_iri(version.hash))
    assert (policy, RDF.type, ODRL.Set) in g
    assert (policy, ODRL.uid, policy) in g
    assert (policy, DCT.identifier, rdflib.Literal(f"sha256:{version.hash}")) in g
    assert (policy, OWL.versionInfo, rdflib.Literal("2")) in g
    assert (policy, DCT.issued, rdflib.Literal(version.published_at, datatype=XSD.dateTime)) in g
    assert (policy, DPV.hasLegalBasis, DPV.Consent) in g
    scope = version.scope
    assert len(list(g.objects(policy, ODRL.permission))) == len(scope.offered()) == 4
    assert len(list(g.objects(policy, ODRL.prohibition))) == len(scope.never()) == 4  # with monitor (issue 20)
    for use in scope.offered():
        rule = _rule(g, policy, "permission", use)
        assert (rule, RDF.type, ODRL.Permission) in g
        for term in USES[use].duo_permitted:  # train, evaluate, publish_aggregates: DUO GRU
            assert (rule, DCT.type, rdflib.URIRef(term.iri)) in g
        for purpose in USES[use].dpv_purposes:
            assert (rule, DPV.hasPurpose, rdflib.URIRef(purpose.iri)) in g
    assert (_rule(g, policy, "permission", "train"), DCT.type, DUO["0000042"]) in g
    for use, duo in (("publish_examples", "0000024"), ("share_data", "0000028"), ("commercial", "0000046")):
        rule = _rule(g, policy, "prohibition", use)
        assert (rule, RDF.type, ODRL.Prohibition) in g
        assert (rule, DCT.type, DUO[duo]) in g
        assert (rule, DPV.hasLegalBasis, DPV.Consent) in g
    assert (_rule(g, policy, "prohibition", "commercial"), ODRL.action, ODRL.commercialize) in g


def test_conditions_are_constraints_and_duties_with_duo_terms(project):
    version = ScopeHistory.load(project.store).latest
    g = _graph(jsonld.to_json(jsonld.build(version)))
    policy = rdflib.URIRef(jsonld.policy_iri(version.hash))
    train = _rule(g, policy, "permission", "train")
    constraints = list(g.objects(train, ODRL.constraint))
    expiry = [c for c in constraints if (c, ODRL.leftOperand, ODRL.elapsedTime) in g]
    assert len(expiry) == 1
    assert (expiry[0], ODRL.operator, ODRL.lteq) in g
    assert (expiry[0], ODRL.rightOperand, rdflib.Literal("P24M", datatype=XSD.duration)) in g
    assert (expiry[0], DCT.type, DUO["0000025"]) in g
    assert any((c, DCT.type, DUO["0000022"]) in g for c in constraints)  # stays on the community's machine
    assert any((c, DCT.type, DUO["0000027"]) in g for c in constraints)  # this project only
    duties = list(g.objects(train, ODRL.duty))
    assert any((d, ODRL.action, ODRL.obtainConsent) in g for d in duties)
    for duo in ("0000020", "0000029", "0000021"):  # collaboration, return of derived data, approval of new uses
        assert any((d, DCT.type, DUO[duo]) in g for d in duties), duo
    assert (None, ODRL.action, ODRL.compensate) in g
    labels = set(g.objects(policy, DCT.rights))
    assert rdflib.URIRef("https://localcontexts.org/label/bc-provenance/") in labels


def test_cli_prints_and_writes_the_jsonld(project, tmp_path):
    code, out, err = run_cli(["consent", "scope", str(project.root), "--jsonld"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["@type"] == "odrl:Set" and doc["owl:versionInfo"] == "2"
    assert isinstance(doc["@context"], dict)  # inline: nothing to fetch
    target = tmp_path / "scope.jsonld"
    code, out, err = run_cli(["consent", "scope", str(project.root), "--version", "1", "--jsonld", "--out",
                              str(target)])
    assert code == 0 and "JSON-LD" in out, err
    g = _graph(target.read_text(encoding="utf-8"))
    v1 = ScopeHistory.load(project.store).versions[0]
    assert (rdflib.URIRef(jsonld.policy_iri(v1.hash)), OWL.versionInfo, rdflib.Literal("1")) in g
