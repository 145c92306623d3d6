"""The uses a community can permit, each mapped to GA4GH DUO and W3C DPV terms.

The keys are stable (they are stored in events); the plain-language text of
each use lives in the message catalogs under ``consent.use.<key>.title`` and
``consent.use.<key>.explain``.

Mappings are *nearest matches*: DUO was made for biomedical research data and
has no term for "train a machine-learning model" or "share a trained model";
DPV has purposes and processing operations but no AI-specific ones in its core.
Each :class:`Use` says in ``note`` where the match is loose, and the exported
scope carries that note so that another system does not over-read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbenchError

DUO_IRI = "http://purl.obolibrary.org/obo/DUO_"
DPV_IRI = "https://w3id.org/dpv#"


@dataclass(frozen=True)
class Term:
    """One ontology term: ``id`` as a CURIE (``DUO:0000046``), a label, a shorthand."""

    id: str
    label: str
    shorthand: str = ""

    @property
    def iri(self) -> str:
        prefix, _, local = self.id.partition(":")
        if prefix == "DUO":
            return DUO_IRI + local
        if prefix == "dpv":
            return DPV_IRI + local
        return self.id

    def to_dict(self) -> dict:
        out = {"id": self.id, "label": self.label, "iri": self.iri}
        if self.shorthand:
            out["shorthand"] = self.shorthand
        return out


# -- DUO (GA4GH Data Use Ontology) ------------------------------------------
GRU = Term("DUO:0000042", "general research use", "GRU")
NCU = Term("DUO:0000046", "non-commercial use only", "NCU")
MOR = Term("DUO:0000024", "publication moratorium", "MOR")
TS = Term("DUO:0000025", "time limit on use", "TS")
GS = Term("DUO:0000022", "geographical restriction", "GS")
RTN = Term("DUO:0000029", "return to database or resource", "RTN")
COL = Term("DUO:0000020", "collaboration required", "COL")
IRB = Term("DUO:0000021", "ethics approval required", "IRB")
PS = Term("DUO:0000027", "project specific restriction", "PS")
IS = Term("DUO:0000028", "institution specific restriction", "IS")

# -- DPV (W3C Data Privacy Vocabulary) ---------------------------------------
DPV_CONSENT = Term("dpv:Consent", "Consent")  # the legal basis of every use here
DPV_RND = Term("dpv:ResearchAndDevelopment", "Research and Development")
DPV_COMMERCIAL = Term("dpv:CommercialPurpose", "Commercial Purpose")
DPV_USE = Term("dpv:Use", "Use")
DPV_ANALYSE = Term("dpv:Analyse", "Analyse")
DPV_DISSEMINATE = Term("dpv:Disseminate", "Disseminate")
DPV_MAKE_AVAILABLE = Term("dpv:MakeAvailable", "Make Available")
DPV_SHARE = Term("dpv:Share", "Share")

# DPV consent status terms, for the ledger's statuses.
CONSENT_STATUS_DPV = {
    "given": Term("dpv:ConsentGiven", "Consent Given"),
    "refused": Term("dpv:ConsentRefused", "Consent Refused"),
    "withdrawn": Term("dpv:ConsentWithdrawn", "Consent Withdrawn"),
    "expired": Term("dpv:ConsentExpired", "Consent Expired"),
    "none": Term("dpv:ConsentUnknown", "Consent Unknown"),
}


@dataclass(frozen=True)
class Use:
    """A use of the contributed data that a scope can permit or forbid.

    ``duo_permitted`` are emitted when the use may happen; ``duo_if_never``
    when the community forbids it (a *restriction* in DUO's terms). ``odrl_action``
    is the nearest ODRL 2.2 action, for the JSON-LD export; ``third_party`` says whether the use
    discloses the data (or a model made from it) to others, for the consent receipt.
    """

    key: str
    duo_permitted: tuple[Term, ...]
    duo_if_never: tuple[Term, ...]
    dpv_purposes: tuple[Term, ...]
    dpv_processing: tuple[Term, ...]
    note: str
    odrl_action: str = "odrl:use"
    third_party: bool = False  # the use hands the data, or what is made of it, to others (a consent receipt says so)

    @property
    def title_key(self) -> str:
        return f"consent.use.{self.key}.title"

    @property
    def explain_key(self) -> str:
        return f"consent.use.{self.key}.explain"

    def mapping(self, choice: str) -> dict:
        """The DUO/DPV terms for this use under a scope choice (always/chooses/never)."""
        never = choice == "never"
        return {
            "duo": [t.to_dict() for t in (self.duo_if_never if never else self.duo_permitted)],
            "dpv": {
                "purposes": [t.to_dict() for t in self.dpv_purposes],
                "processing": [t.to_dict() for t in self.dpv_processing],
                "legal_basis": DPV_CONSENT.to_dict(),
                "prohibited": never,
            },
            "note": self.note,
        }


USES: dict[str, Use] = {
    u.key: u
    for u in (
        Use("train", (GRU,), (), (DPV_RND,), (DPV_USE,),
            "Nearest match: DUO has no term for training a model; GRU (general research use) is the nearest "
            "permission. DPV ResearchAndDevelopment + Use."),
        Use("evaluate", (GRU,), (), (DPV_RND,), (DPV_ANALYSE,),
            "Nearest match: evaluating a model on the data is research use (GRU); DPV Analyse."),
        Use("publish_aggregates", (GRU,), (MOR,), (DPV_RND,), (DPV_DISSEMINATE,),
            "Nearest match: publishing counts and metrics; when forbidden, DUO MOR (publication moratorium, "
            "here without an end date) is the nearest restriction.", "odrl:distribute"),
        Use("publish_examples", (GRU,), (MOR,), (DPV_RND,), (DPV_MAKE_AVAILABLE,),
            "Nearest match: publishing quotes or rows; when forbidden, DUO MOR (without an end date).",
            "odrl:reproduce"),
        Use("share_data", (), (IS,), (DPV_RND,), (DPV_SHARE,),
            "Nearest match: sharing the curated data with other co-ops of the federation; when forbidden, DUO IS "
            "(use limited to the approved institution, here the community).", "odrl:distribute", third_party=True),
        Use("share_models", (), (IS,), (DPV_RND,), (DPV_SHARE,),
            "Nearest match: a trained model is derived from the data; DUO has no model-sharing term, so a "
            "forbidden share maps to IS, as for the data.", "odrl:distribute", third_party=True),
        Use("commercial", (), (NCU,), (DPV_COMMERCIAL,), (DPV_USE,),
            "Commercial use not permitted maps to DUO NCU (non-commercial use only); permitted, to DPV "
            "CommercialPurpose.", "odrl:commercialize"),
        Use("monitor", (GRU,), (), (DPV_RND,), (DPV_ANALYSE,),
            "Nearest match: checking how the adopted model does once in use (its predictions against what really "
            "happened) is research use (GRU); DPV has no core purpose for monitoring a model, so "
            "ResearchAndDevelopment + Analyse, as for evaluate."),
    )
}
USE_KEYS: tuple[str, ...] = tuple(USES)


def get_use(key: str) -> Use:
    """The use called ``key``, or a sentence naming the ones that exist."""
    try:
        return USES[key]
    except KeyError:
        raise WorkbenchError(
            f"{key!r} is not a use the workbench knows.",
            f"Use one of: {', '.join(USE_KEYS)}.",
            key="consent.error.unknown_use", use=str(key),
        ) from None


# -- Condition terms (see scope.Conditions) -----------------------------------
CONDITION_TERMS = {
    "expiry_months": TS,  # DUO TS carries the time limit (here in months from the grant)
    "stays_on_machine": GS,  # nearest: DUO GS is geographical; here the place is the community's machine
    "collaboration_required": COL,
    "derived_data_returned": RTN,
    "new_use_approver": IRB,  # nearest: DUO IRB is ethics approval; here the community's governance body
    "project_only": PS,  # every scope limits use to this project's purpose
}


# -- Local Contexts labels ---------------------------------------------------
@dataclass(frozen=True)
class Label:
    """A Local Contexts Traditional Knowledge (TK) or Biocultural (BC) label."""

    key: str
    kind: str  # "TK" or "BC"
    name: str  # the label's own (English) name
    code: str  # its short code, e.g. "TK NC"

    @property
    def name_key(self) -> str:
        return f"consent.label.{self.key}.name"

    @property
    def explain_key(self) -> str:
        return f"consent.label.{self.key}.explain"

    def to_dict(self) -> dict:
        return {"key": self.key, "type": self.kind, "name": self.name, "code": self.code,
                "vocabulary": "Local Contexts " + ("Traditional Knowledge" if self.kind == "TK" else "Biocultural")
                + " Labels"}


LABELS: dict[str, Label] = {
    lb.key: lb
    for lb in (
        Label("tk_attribution", "TK", "TK Attribution", "TK A"),
        Label("tk_non_commercial", "TK", "TK Non-Commercial", "TK NC"),
        Label("tk_community_use_only", "TK", "TK Community Use Only", "TK CO"),
        Label("tk_verified", "TK", "TK Verified", "TK V"),
        Label("bc_provenance", "BC", "BC Provenance", "BC P"),
        Label("bc_consent_verified", "BC", "BC Consent Verified", "BC CV"),
        Label("bc_non_commercial", "BC", "BC Non-Commercial", "BC NC"),
        Label("bc_research_use", "BC", "BC Research Use", "BC R"),
        Label("bc_open_to_collaboration", "BC", "BC Open to Collaboration", "BC CB"),
    )
}


def get_label(key: str) -> Label:
    try:
        return LABELS[key]
    except KeyError:
        raise WorkbenchError(
            f"{key!r} is not a Local Contexts label the workbench knows.",
            f"Use one of: {', '.join(LABELS)}.",
            key="consent.error.unknown_label", label=str(key),
        ) from None
