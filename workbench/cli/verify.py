HELP = ("Recompute the event log's hash chain and compare it with its witnesses (signed checkpoints, receipts); "
        "report OK or the first event that does not match (exit 1).")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--receipt", action="append", default=[], metavar="FILE",
                   help="a JSON receipt someone holds (it names the log's head when it was made); repeatable")
    p.add_argument("--head", action="append", default=[], metavar="SEQ:HASH",
                   help="the log's head as printed on a receipt (event number and hash), typed in; repeatable")
    p.add_argument("--checkpoints", action="store_true",
                   help="also compare the log with every signed checkpoint in artifacts/checkpoints/")
    p.add_argument("--checkpoint-file", action="append", default=[], metavar="FILE",
                   help="a checkpoint file kept outside the project (a copy someone holds); repeatable")


def run(args):
    import sys

    from .. import open as open_project
    from ..federation import keys
    from ..store import witness

    with open_project(args.dir) as project:
        result = project.store.verify()
        print(result.sentence, file=sys.stdout if result.ok else sys.stderr)
        if not result.ok:
            return 1
        witnesses = [witness.read_receipt(f) for f in args.receipt]
        if args.checkpoints:
            witnesses += witness.project_checkpoints(project)
        own = keys.public_key(project.root).b64 if keys.has_keys(project.root) else None
        witnesses += [witness.read_checkpoint(f, own) for f in args.checkpoint_file]
        witnesses += [witness.parse_head(h) for h in args.head]
        if not (args.receipt or args.checkpoints or args.checkpoint_file or args.head):
            return 0
        checked = witness.check(project.store, witnesses)
    print(checked.sentence, file=sys.stdout if checked.ok else sys.stderr)
    return 0 if checked.ok else 1
