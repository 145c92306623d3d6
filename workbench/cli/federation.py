"""Federation verbs, one module: ``keys``, ``bundle``, ``catalog`` and ``federate``.

- ``workbench keys init DIR``: make the community's signing key (private half in DIR/.workbench/, mode 600).
- ``workbench bundle plan DIR`` / ``workbench bundle export DIR -o FILE [--with-rows]`` / ``workbench bundle verify FILE``.
- ``workbench catalog add DIR FILE`` / ``workbench catalog list DIR`` /
  ``workbench catalog check DIR MODEL [--commercial | --non-commercial] [--needs-their-data] [--collaborate]
  [--accept-benefit-sharing]``.
- ``workbench federate evaluate DIR BUNDLE -o FILE [--min-group-size 10]``.

Each verb is registered in ``COMMANDS`` and shares :func:`add_arguments` / :func:`run`, which read the verb
from the parser's name; each action is one line in ``VERB_ACTIONS`` at the end.
"""

from __future__ import annotations

from ._sub import Actions

HELP = "Federation: 'keys init', 'bundle plan|export|verify', 'catalog add|list|check', 'federate evaluate'."
VERBS = ("keys", "bundle", "catalog", "federate")
HELPS = {
    "keys": "Make the community's Ed25519 signing key: 'keys init DIR' (the private half never leaves DIR).",
    "bundle": "Commons bundles: 'bundle plan DIR' (what would be shared), 'bundle export DIR -o FILE', "
              "'bundle verify FILE'.",
    "catalog": "The commons' catalog: 'catalog add DIR FILE', 'catalog list DIR', 'catalog check DIR MODEL' "
               "(may we use it for our purpose?).",
    "federate": "Federated evaluation where data never leaves: 'federate evaluate DIR BUNDLE -o FILE'.",
}


def add_arguments(p):
    verb = p.prog.split()[-1]
    p.set_defaults(_verb=verb)
    VERB_ACTIONS[verb].add_arguments(p)


def run(args):
    return VERB_ACTIONS[args._verb].run(args)


def _plan_args(s):
    s.add_argument("--with-rows", action="store_true", help="include rows where the scope and people permit")
    s.add_argument("--language", default=None, help="language of the plan (default: the project's first)")


def _export_args(s):
    s.add_argument("-o", "--out", required=True, metavar="FILE", help="the bundle to write (.zip)")
    s.add_argument("--with-rows", action="store_true",
                   help="include curated rows of people who permit sharing data, where the scope permits it")


def _verify_args(s):
    s.add_argument("file", metavar="FILE", help="the bundle (.zip)")


def _add_args(s):
    s.add_argument("file", metavar="FILE", help="the bundle (.zip)")


def _remove_args(s):
    s.add_argument("community", metavar="ID", help="the community's full id (see 'catalog list')")
    s.add_argument("--reason", default="", help="why (kept in the log)")


def _list_args(s):
    s.add_argument("--json", action="store_true", help="print JSON")


def _check_args(s):
    s.add_argument("model", metavar="MODEL", help="the model's id (see 'catalog list') or community name")
    group = s.add_mutually_exclusive_group()
    group.add_argument("--commercial", dest="commercial", action="store_const", const=True, default=None,
                       help="our purpose is commercial")
    group.add_argument("--non-commercial", dest="commercial", action="store_const", const=False,
                       help="our purpose is not commercial")
    s.add_argument("--needs-their-data", action="store_true", help="our purpose needs their data, not only "
                   "their model")
    s.add_argument("--collaborate", action="store_true", help="we agree to collaborate with them")
    s.add_argument("--accept-benefit-sharing", action="store_true", help="we accept their benefit-sharing terms")
    s.add_argument("--language", default=None, help="language of the answer")


def _evaluate_args(s):
    s.add_argument("bundle", metavar="BUNDLE", help="their bundle (.zip) or a catalog model id")
    s.add_argument("-o", "--out", required=True, metavar="FILE", help="the result bundle to write (.zip)")
    s.add_argument("--min-group-size", type=int, default=10, help="groups smaller than this show no numbers")
    s.add_argument("--seed", type=int, default=0)


def _keys_init(project, args):
    from ..federation.keys import PRIVATE_NAME, init_keys

    public = init_keys(project)
    print(f"Signing key made. Fingerprint: {public.fingerprint}")
    print(f"The private key is in {project.root / '.workbench' / PRIVATE_NAME}; it never leaves this folder.")
    return 0


def _tr(project, language):
    from ..i18n import Translator

    return Translator(language or project.config.default_language)


def _plan(project, args):
    from ..federation.bundle import plan_bundle

    print(plan_bundle(project, args.with_rows).sentence(_tr(project, args.language)))
    return 0


def _export(project, args):
    from ..federation.bundle import export_bundle
    from ..i18n import Translator

    done = export_bundle(project, args.out, include_rows=args.with_rows)
    print(done.plan.sentence(Translator("en")))
    print(f"Bundle written to {done.path} ({len(done.manifest['parts'])} parts, signed by "
          f"{done.manifest['signer']['fingerprint']}).")
    return 0


def _verify(args):
    from ..federation.verify import verify_bundle

    b = verify_bundle(args.file)
    print(f"OK: {b.kind} bundle from {_safe(b.community.get('name', ''))} ({b.community['id']}), signed by "
          f"{b.fingerprint}; {len(b.parts)} parts, every hash matches.")
    for path, entry in sorted(b.parts.items()):
        print(f"  {entry['sha256'][:16]}  {entry['bytes']:>10}  {path}")
    return 0


def _add(project, args):
    from ..federation.catalog import add_to_catalog

    out = add_to_catalog(project, args.file)
    if isinstance(out, dict):
        print(f"Result from {_safe(out['name'])} imported: {out['rows']} rows evaluated, "
              f"{len(out['criteria'])} criteria checked.")
    else:
        print(f"Added {_safe(out.name)} ({out.community_id}) to the catalog: "
              f"{out.folder.relative_to(project.root)}.")
    return 0


def _remove(project, args):
    from ..federation.catalog import remove_from_catalog

    entry = remove_from_catalog(project, args.community, args.reason)
    print(f"Removed {_safe(entry.name)} ({entry.community_id}) from the catalog; its key stays pinned in the log.")
    return 0


def _safe(text) -> str:
    from ..text import snippet

    return snippet(text, 80)


def _list(project, args):
    import json

    from ..errors import WorkbenchError
    from ..federation.catalog import entries

    rows, broken = [], []
    for e in entries(project):
        try:
            rows.append(e.summary())
        except (WorkbenchError, OSError, ValueError, KeyError, TypeError, AttributeError):
            broken.append(e)  # one damaged entry must not hide the others
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("The catalog is empty. Add a bundle with 'workbench catalog add DIR FILE'.")
    for r in rows:
        uses = ", ".join(k for k, v in r["uses"].items() if v != "never") or "none"
        crit = ", ".join(f"{c['id']}: {c['status']}" for c in r["criteria"]) or "none shared"
        kwh = "—" if r["footprint_kwh"] is None else f"{r['footprint_kwh']:.2e} kWh"
        print(f"{r['community_id']}  {_safe(r['community'])} [{', '.join(map(_safe, r['languages']))}]\n"
              f"    purpose: {_safe(r['purpose'] or r['title'] or '—')}\n"
              f"    model shared: {'yes' if r['model'] else 'no'}; permitted uses: {uses}\n"
              f"    labels: {_safe(', '.join(map(str, r['labels']))) or 'none'}; footprint: {kwh}\n"
              f"    criteria: {_safe(crit)}")
    for e in broken:
        print(f"{e.community_id}  {_safe(e.name)}: its copy in the catalog is damaged or malformed; remove it "
              f"with 'workbench catalog remove {args.dir} {e.community_id}' and add their bundle again.")
    return 1 if broken else 0


def _check(project, args):
    from ..federation.catalog import find
    from ..federation.usecheck import check_entry, our_use

    entry = find(project, args.model)
    ours = our_use(project, commercial=args.commercial, needs_their_data=args.needs_their_data or None,
                   will_collaborate=args.collaborate or None,
                   accepts_benefit_sharing=args.accept_benefit_sharing or None)
    answer = check_entry(project, entry, ours)
    tr = _tr(project, args.language)
    print(tr(f"federation.use.answer.{answer.answer}", community=entry.name))
    for r in answer.reasons:
        print(f"  [{tr('federation.use.outcome.' + r.outcome)}] {tr(r.key, **r.params)}")
    if answer.answer != "yes" and answer.contact:
        print(tr("federation.use.contact", contact=answer.contact))
    return 0


def _evaluate(project, args):
    from ..federation.federated import federated_evaluate

    done = federated_evaluate(project, args.bundle, args.out, min_group_size=args.min_group_size, seed=args.seed)
    r = done.result
    print(f"Evaluated {r['model']['community']}'s model on {r['rows']} rows permitted for evaluation; "
          f"{r['suppressed_groups']} small groups suppressed.")
    for c in r["criteria"]:
        print(f"  {c['id']}: {c['status']}")
    print(f"Result (aggregates only, signed) written to {done.path}. Send it to {r['model']['community']}.")
    return 0


KEYS, BUNDLE, CATALOG, FEDERATE = (Actions(verb) for verb in VERBS)
VERB_ACTIONS = {actions.verb: actions for actions in (KEYS, BUNDLE, CATALOG, FEDERATE)}
KEYS.add("init", _keys_init, help="make the community's Ed25519 signing key (private half stays in DIR)")
BUNDLE.add("plan", _plan, _plan_args, help="say what an export would share and what not, in plain words")
BUNDLE.add("export", _export, _export_args, help="write the signed commons bundle")
BUNDLE.add("verify", _verify, _verify_args, project=False, help="check every hash and the signature of a bundle")
CATALOG.add("add", _add, _add_args, help="import a verified bundle (or a result about our model) into DIR/catalog/")
CATALOG.add("remove", _remove, _remove_args, help="take a community's bundle out of the catalog (full id)")
CATALOG.add("list", _list, _list_args, help="list the commons' models in the catalog")
CATALOG.add("check", _check, _check_args, help="may we use model MODEL for our purpose? yes / no / ask them")
FEDERATE.add("evaluate", _evaluate, _evaluate_args, help="evaluate another community's shared model on our "
             "permitted rows; write an aggregate-only, signed result")
