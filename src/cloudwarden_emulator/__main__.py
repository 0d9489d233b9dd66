"""`python -m cloudwarden_emulator [--port N]`: serve the emulator until interrupted."""

import argparse
import contextlib

from cloudwarden_emulator.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m cloudwarden_emulator", description="Serve an emulated AWS on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port to listen on; 0 picks a free one")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.port)


if __name__ == "__main__":
    main()
