HELP = ("Serve the workshop apps for a project with Voila: preheated participant kernels, idle kernels "
        "culled, a workshop code for participants and a facilitator code.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    p.add_argument("--ip", default="0.0.0.0",
                   help="address to listen on (default 0.0.0.0: phones on the same Wi-Fi can join)")
    p.add_argument("--no-qr", action="store_true", help="do not draw the join QR code")
    p.add_argument("--new-codes", action="store_true", help="make new workshop and facilitator codes first")
    p.add_argument("--preheat", metavar="N",
                   help="spare kernels kept warm per participant app (default: workshop.preheated_kernels in "
                        "workbench.toml); or per app, like --preheat purpose=40,welcome=5")
    p.add_argument("--base-url", default="/", metavar="PREFIX",
                   help="serve under this path, behind a reverse proxy or JupyterHub (default /), like /workshop/")


def run(args):
    from .. import open as open_project
    from ..serve import serve
    from ..serve.server import normalise_base_url, parse_preheat

    preheat = parse_preheat(args.preheat)  # bad values: one sentence before anything starts
    base_url = normalise_base_url(args.base_url)
    if args.new_codes:
        with open_project(args.dir) as project:
            project.rotate_codes()
    serve(args.dir, port=args.port, ip=args.ip, show_qr=not args.no_qr, preheat=preheat, base_url=base_url)
    return 0
