HELP = ("Serve the workshop apps for a project with Voila: preheated participant kernels, idle kernels "
        "culled, a workshop code for participants and a facilitator code.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    p.add_argument("--ip", default="0.0.0.0",
                   help="address to listen on (default 0.0.0.0: phones on the same Wi-Fi can join)")
    p.add_argument("--no-qr", action="store_true", help="do not draw the join QR code")
    p.add_argument("--new-codes", action="store_true", help="make new workshop and facilitator codes first")


def run(args):
    from .. import open as open_project
    from ..serve import serve

    if args.new_codes:
        with open_project(args.dir) as project:
            project.rotate_codes()
    serve(args.dir, port=args.port, ip=args.ip, show_qr=not args.no_qr)
    return 0
