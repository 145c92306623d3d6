"""``workbench members ACTION DIR``: the member register (who may vote on the community's decisions).

``add DIR CODE... [--role member]``, ``new DIR --count N [--role member]`` (new participant codes, printed
once, for members who did not take part in the discussion), ``remove DIR CODE [--reason]``, ``list DIR``.
Members are participant codes, never names.
"""

from __future__ import annotations

HELP = "The member register: add, make, remove or list the members who vote on the community's decisions."


def add_arguments(p):
    p.add_argument("action", metavar="ACTION", help="add, new, remove or list")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("codes", metavar="CODE", nargs="*", help="participant codes (for add and remove)")
    p.add_argument("--role", action="append", default=None,
                   help="member, steward, facilitator or data_worker (repeatable; default member)")
    p.add_argument("--count", type=int, default=None, help="for new: how many codes to make")
    p.add_argument("--reason", default="", help="for remove: why")
    p.add_argument("--language", default="en", help="for new: the language the new members' apps open in")


def run(args):
    from .. import open as open_project
    from ..decisions import members
    from ..errors import WorkbenchError

    roles = args.role or ["member"]
    with open_project(args.dir) as project:
        store = project.store
        if args.action == "list":
            reg = members.Register.load(store)
            for code, held in reg.roles.items():
                print(f"{code}  {', '.join(held)}")
            counts = reg.counts()
            print(f"{len(reg.roles)} in the register; {len(reg.voters())} vote "
                  f"({', '.join(f'{n} {r}' for r, n in counts.items() if n)}).")
            return 0
        if args.action == "new":
            codes = members.new(store, args.count if args.count is not None else 0, roles, args.language)
            print(f"Made {len(codes)} member code(s) ({', '.join(roles)}); hand them out now, they are not shown "
                  "again:")
            for code in codes:
                print(f"  {code}")
            return 0
        if args.action in ("add", "remove"):
            if not args.codes:
                raise WorkbenchError(f"'members {args.action}' needs at least one participant code.",
                                     key="decisions.error.codes_needed")
            for code in args.codes:
                if args.action == "add":
                    print(f"Added {members.add(store, code, roles)} as {', '.join(roles)}.")
                else:
                    members.remove(store, code, args.reason)
                    print(f"Removed {code} from the register.")
            return 0
        raise WorkbenchError(f"{args.action!r} is not a members action.", "Use add, new, remove or list.",
                             key="decisions.error.members_action", action=str(args.action))
