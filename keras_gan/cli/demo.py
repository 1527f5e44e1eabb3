"""`keras-gan demo`: the TF.js demo page for a generator, on http://127.0.0.1:PORT/."""

from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.cli.source import add_source, resolve_source
from keras_gan.demo.server import check_port, make_server, prepare


def build_parser(prog="keras-gan demo"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Serve the TF.js demo page for a generator on 127.0.0.1 (exported to TF.js first if needed).",
    )
    add_source(parser, "a run folder (exported to TF.js first if needed)", "RUN_DIR")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    return parser


def main(argv=None, prog="keras-gan demo"):
    parser = build_parser(prog)

    def body(args):
        check_port(args.port)  # before the export that prepare() may run
        run_dir, pretrained = resolve_source(args)
        server = make_server(prepare(run_dir, pretrained=pretrained), args.port)
        host, port = server.server_address[:2]
        print(f"Demo at http://{host}:{port}/  (Ctrl+C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    return run(parser, body, argv)
