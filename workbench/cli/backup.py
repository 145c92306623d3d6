HELP = ("Make a consistent copy of a project while a workshop runs (SQLite online backup) into a new "
        "folder, and verify the copy.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("-o", "--output", metavar="DEST",
                   help="the new backup folder (default: DIR-backup-<UTC time> beside DIR)")


def run(args):
    import sys

    from ..project import backup_project

    dest, result = backup_project(args.dir, args.output)
    print(f"Backed up to {dest}")
    print(result.sentence, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1
