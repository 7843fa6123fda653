"""``python -m refdidcomm v1 pack|unpack|forward``: DIDComm v1 envelopes from the shell.

Keys come from a JSON file: an object mapping names to key entries (or an
object with such a mapping under ``"keys"``, as the project's
``vectors/didcomm_v1_*.json`` files have it). An entry holds any of:

* ``"seed"`` -- 32 bytes as 64 hex digits; ``"seed_utf8"`` -- a 32-character
  seed used as its UTF-8 bytes (the indy convention);
* ``"sigkey_b58"`` -- base58 of the 64-byte ``seed || verkey``;
* ``"verkey_b58"`` -- base58 verkey; ``"did_key"`` -- an Ed25519 did:key.

An entry with a seed or sigkey is a secret key; one with only public forms
can be a recipient or routing key. Every form given must name the same key.
Where a command wants a key, give a name from the file, a base58 verkey or a
did:key.

Commands (input from ``--in FILE``, default standard input; output on
standard output; exit status 1 with ``error: ...`` on standard error):

* ``pack --keys F --to K [--to K ...] [--from NAME] [--routing-key K ...]``:
  Authcrypt from ``--from`` or Anoncrypt, then one forward per routing key
  (in the service's ``routingKeys`` order) when ``--routing-key`` is given.
* ``unpack --keys F [--as NAME ...] [--raw]``: open with the named secret
  keys (default: all in the file); print JSON ``{"message",
  "recipient_verkey", "sender_verkey"}``, or with ``--raw`` the plaintext.
* ``forward --keys F --to K --routing-key K [...]``: wrap an existing
  envelope; ``forward --unwrap --keys F [--as NAME]``: open a forward as a
  mediator and print JSON ``{"to", "message_id", "msg"}``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional, Tuple

from . import v1
from ._json import dumps, loads
from .cli import _guarded
from .errors import MalformedMessage, UsageError

__all__ = ["add_parser"]

_SECRET_FORMS = ("seed", "seed_utf8", "sigkey_b58")
_PUBLIC_FORMS = ("verkey_b58", "did_key")


class _KeyFile:
    """The keys of a key file: name -> (secret key or None, verkey)."""

    def __init__(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                data = loads(fh.read(), field=path)
        except OSError as exc:
            raise UsageError(f"cannot read key file {path}: {exc.strerror}") from None
        if isinstance(data, dict) and isinstance(data.get("keys"), dict):
            data = data["keys"]
        if not isinstance(data, dict):
            raise MalformedMessage("must be a JSON object of named keys", path)
        self.secret: Dict[str, v1.SigningKey] = {}
        self.public: Dict[str, bytes] = {}
        for name, entry in data.items():
            secret, public = self._entry(name, entry)
            if secret is not None:
                self.secret[name] = secret
            self.public[name] = public

    @staticmethod
    def _entry(name: str, entry: Any) -> Tuple[Optional[v1.SigningKey], bytes]:
        if not isinstance(entry, dict):
            raise MalformedMessage("must be a JSON object", name)
        secrets: List[v1.SigningKey] = []
        for form in _SECRET_FORMS:
            value = entry.get(form)
            if value is None:
                continue
            if not isinstance(value, str):
                raise MalformedMessage("must be a string", f"{name}.{form}")
            if form == "seed":
                try:
                    raw: Any = bytes.fromhex(value)
                except ValueError:
                    raise MalformedMessage("must be hex", f"{name}.seed") from None
            elif form == "seed_utf8":
                raw = value.encode("utf-8")
            else:
                raw = value
            if form != "sigkey_b58" and len(raw) != 32:
                raise MalformedMessage("must be 32 bytes", f"{name}.{form}")
            secrets.append(v1.signing_key(raw, field=f"{name}.{form}"))
        publics: List[bytes] = []
        for form in _PUBLIC_FORMS:
            value = entry.get(form)
            if value is None:
                continue
            if not isinstance(value, str):
                raise MalformedMessage("must be a string", f"{name}.{form}")
            publics.append(v1.verkey(value, field=f"{name}.{form}"))
        publics.extend(key.verkey for key in secrets)
        if not publics:
            raise MalformedMessage(f"needs one of {', '.join(_SECRET_FORMS + _PUBLIC_FORMS)}", name)
        if len(set(publics)) != 1 or len({key.seed for key in secrets}) > 1:
            raise MalformedMessage("its forms name different keys", name)
        return (secrets[0] if secrets else None), publics[0]

    def public_key(self, text: str) -> Any:
        """A name from the file, else the text itself (base58 verkey or did:key)."""
        return self.public.get(text, text)

    def secret_keys(self, names: Optional[List[str]]) -> List[v1.SigningKey]:
        if not names:
            if not self.secret:
                raise UsageError("the key file holds no secret key")
            return list(self.secret.values())
        missing = [name for name in names if name not in self.secret]
        if missing:
            raise UsageError(f"no secret key named {', '.join(missing)} in the key file")
        return [self.secret[name] for name in names]


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.buffer.flush()


def _cmd_pack(args: argparse.Namespace) -> None:
    keys = _KeyFile(args.keys)
    recipients = [keys.public_key(text) for text in args.to]
    sender = keys.secret_keys([args.sender])[0] if args.sender else None
    envelope = v1.pack(_read(args.infile), recipients, sender)
    if args.routing_key:
        envelope = v1.wrap_forward(envelope, recipients[0], [keys.public_key(k) for k in args.routing_key])
    _write(envelope)


def _cmd_unpack(args: argparse.Namespace) -> None:
    keys = _KeyFile(args.keys)
    opened = v1.unpack(_read(args.infile), keys.secret_keys(args.as_))
    if args.raw:
        _write(opened.message)
        return
    try:
        text = opened.message.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("is not UTF-8 (use --raw)", "message") from None
    result = {"message": text, "recipient_verkey": opened.recipient_verkey, "sender_verkey": opened.sender_verkey}
    _write(dumps(result).encode("utf-8"))


def _cmd_forward(args: argparse.Namespace) -> None:
    keys = _KeyFile(args.keys)
    data = _read(args.infile)
    if args.unwrap:
        forwarded = v1.unwrap_forward(data, keys.secret_keys(args.as_))
        result = {"to": forwarded.to, "message_id": forwarded.message_id, "msg": loads(forwarded.msg)}
        _write(dumps(result).encode("utf-8"))
        return
    if not args.to or len(args.to) != 1 or not args.routing_key:
        raise UsageError("forward needs exactly one --to and at least one --routing-key (or --unwrap)")
    _write(v1.wrap_forward(data, keys.public_key(args.to[0]), [keys.public_key(k) for k in args.routing_key]))


def add_parser(subparsers: Any) -> None:
    """Add the ``v1`` command and its ``pack``, ``unpack`` and ``forward`` subcommands.

    Args:
        subparsers: the object returned by ``ArgumentParser.add_subparsers``.
    """
    v1_parser = subparsers.add_parser(
        "v1",
        help="DIDComm v1: RFC 0019 envelopes and RFC 0094 forward",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = v1_parser.add_subparsers(dest="v1_command", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--keys", required=True, help="JSON key file (see python -m refdidcomm v1 --help)")
        parser.add_argument("--in", dest="infile", default="-", help="input file (default: standard input)")

    key_help = "a name in the key file, a base58 verkey or a did:key"
    p = commands.add_parser("pack", help="pack a message (Authcrypt with --from, else Anoncrypt)")
    common(p)
    p.add_argument("--to", action="append", required=True, help=f"recipient: {key_help} (repeatable)")
    p.add_argument("--from", dest="sender", help="sender: a name of a secret key in the key file")
    p.add_argument("--routing-key", action="append", default=[], help=f"wrap in a forward per routing key, routingKeys order: {key_help}")
    p.set_defaults(func=_guarded(_cmd_pack))

    p = commands.add_parser("unpack", help="unpack an envelope")
    common(p)
    p.add_argument("--as", dest="as_", action="append", help="secret key name to try (repeatable; default: all)")
    p.add_argument("--raw", action="store_true", help="print only the plaintext")
    p.set_defaults(func=_guarded(_cmd_unpack))

    p = commands.add_parser("forward", help="wrap an envelope for mediators, or --unwrap one as a mediator")
    common(p)
    p.add_argument("--to", action="append", help=f"the envelope's recipient: {key_help}")
    p.add_argument("--routing-key", action="append", default=[], help=f"routing key in routingKeys order: {key_help}")
    p.add_argument("--unwrap", action="store_true", help="open a forward with the mediator's key(s)")
    p.add_argument("--as", dest="as_", action="append", help="mediator secret key name (repeatable; default: all)")
    p.set_defaults(func=_guarded(_cmd_forward))
