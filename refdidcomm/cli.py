"""Command-line interface: ``python -m refdidcomm [COMMAND]``.

Without a command: print the version, the active crypto backend, and run the
self-check of every primitive (exit status 1 if any check fails).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, List, Optional

from . import __version__
from ._counter_rng import sha256_counter_rng
from .errors import RefDIDCommError, UsageError

__all__ = ["main"]


# Shared by the command modules (_cli_*.py).


def _guarded(command: Callable[[argparse.Namespace], Optional[int]]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command: a refdidcomm error becomes one line ``error: ...`` on stderr and exit status 1.

    Otherwise the exit status is the command's return value (None counts as 0).
    """

    def run(args: argparse.Namespace) -> int:
        try:
            status = command(args)
        except RefDIDCommError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0 if status is None else status

    return run


def _seeded_rng(seed_hex: Optional[str]) -> Optional[Callable[[int], bytes]]:
    """The rng for ``--seed HEX``: None (the CSPRNG) without it, else SHA-256 counter mode on the seed's bytes.

    Raises:
        UsageError: the seed is not hexadecimal.
    """
    if seed_hex is None:
        return None
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        raise UsageError("--seed must be hexadecimal") from None
    return sha256_counter_rng(seed)


def _cmd_selfcheck(args: argparse.Namespace) -> int:
    from . import _selfcheck, crypto

    print(f"refdidcomm {__version__}")
    print(f"crypto backend: {crypto.BACKEND}")
    available = crypto.available_backends()
    print(f"available backends: {', '.join(available)}")
    if crypto.BACKEND == "native":
        from . import _native_backend

        print(f"AES-NI: {'yes' if _native_backend.aesni_available() else 'no (pure AES fallback)'}")
    names = available if args.all_backends else [crypto.BACKEND]
    failed = 0
    for name in names:
        print(f"self-check ({name}):")
        for result in _selfcheck.run(crypto.backend(name)):
            mark = "ok  " if result.ok else "FAIL"
            print(f"  {mark} {result.name:<18} {result.source}" + ("" if result.ok else f"  [{result.detail}]"))
            failed += not result.ok
    print("self-check: all passed" if not failed else f"self-check: {failed} FAILED")
    return 1 if failed else 0


def _cmd_coprotocol_demo(args: argparse.Namespace) -> int:
    from . import coprotocol

    return int(coprotocol.demo(args.shape))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m refdidcomm", description="refdidcomm reference DIDComm tools")
    parser.add_argument("--version", action="version", version=f"refdidcomm {__version__}")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("selfcheck", help="version, backend and the primitives' known answers (the default)")
    p.add_argument("--all-backends", action="store_true", help="check every available backend")
    p.set_defaults(func=_cmd_selfcheck)

    p = sub.add_parser("coprotocol", help="Aries RFC 0482 coprotocols")
    cosub = p.add_subparsers(dest="coprotocol_command", required=True)
    d = cosub.add_parser("demo", help="run the RFC 0478/0482 payment walkthrough and print each message")
    d.add_argument("--shape", choices=("v1", "v2", "both"), default="both", help="DIDComm message shape")
    d.set_defaults(func=_cmd_coprotocol_demo)

    # The subcommands of each area live next to it; each module only builds
    # its parser and sets ``func``.
    from . import _cli_demo, _cli_did, _cli_oob, _cli_v1, _cli_v2, _cli_vectors

    _cli_did.add_parser(sub)
    _cli_oob.add_parser(sub)
    _cli_v2.add_parser(sub)
    _cli_v1.add_parser(sub)
    _cli_vectors.add_parser(sub)
    _cli_demo.add_parser(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["selfcheck", "--all-backends"])
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
