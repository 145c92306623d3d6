HELP = "Show a project's name, languages, stages and log size."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")


def run(args):
    from .. import open as open_project
    from ..i18n import Translator

    tr = Translator("en")
    with open_project(args.dir) as project:
        seq, head = project.store.head()
        print(f"{project.name}  ({project.root})")
        print(f"  languages: {', '.join(project.config.languages)}   country: {project.config.country or '-'}")
        print(f"  events: {seq}   head: {head[:16]}")
        for st in project.stages():
            print(f"  {st.stage.number}. {tr(st.stage.title_key):<22} {tr(st.status_key)}")
        drift = _drift(project)
        if drift is not None:
            if drift.must_retrain:
                line = tr("evaluation.drift.must_retrain", rows=drift.rows_affected,
                          people=drift.contributors_affected)
            else:
                line = tr("evaluation.drift.none", rows=drift.rows_trained)
            print(f"  {line}")
    return 0


def _drift(project):
    """Consent drift of the adopted model, if a model was adopted (needs the evaluation stage)."""
    from ..evaluation.lifecycle import adoptions

    if not adoptions(project.store):  # the one rule (lifecycle), before importing what drift needs
        return None
    from ..evaluation.drift import check

    return check(project)
