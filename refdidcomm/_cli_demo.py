"""``python -m refdidcomm demo``: edge and cloud agents over HTTP on loopback, the seeds' flows end to end.

See :mod:`refdidcomm.agents._demo` for what each step does and checks. The
exit status is 0 only if every step checked out; a failed, skipped or
unavailable step makes it 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import RefDIDCommError

__all__ = ["add_parser"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from .agents import _demo

    try:
        return _demo.run(db_path=args.db, as_json=args.json, step_by_step=args.step_by_step)
    except (RefDIDCommError, OSError) as exc:
        # Setting up failed (no loopback port, an unusable --db file): the
        # agents already started have been stopped by the demo's cleanup.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def add_parser(subparsers: Any) -> None:
    """Add the ``demo`` command.

    Args:
        subparsers: the object returned by ``ArgumentParser.add_subparsers``.
    """
    p = subparsers.add_parser(
        "demo",
        help="Alice, Bob and three RFC 0346 cloud agents on 127.0.0.1: DIDComm v2 and v1 flows end to end",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--step-by-step", action="store_true", help="wait for Enter between steps")
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON transcript instead of the narration")
    p.add_argument("--db", metavar="PATH", help="sqlite file for the cloud agents' inboxes (default: a temporary file)")
    p.set_defaults(func=_cmd_demo)
