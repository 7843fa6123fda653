"""``python -m refdidcomm pack|unpack|forward``: DIDComm v2 messages from the shell.

Keys and documents are files; nothing is fetched (sans-I/O):

* ``--secrets JWKS`` -- a JWK Set (``{"keys": [JWK, ...]}``, RFC 7517 §5) or a
  JSON array of JWKs, every key with its ``kid`` (the DID URL of the
  verification method); or an object ``{"secrets": {kid: JWK}}`` (the
  layout of ``vectors/didcomm_v2_forward.json``'s ``keys``);
* ``--did-docs FILE`` -- DID documents: one document, a JSON array of them,
  or an object with ``"documents": [...]`` (possibly under ``"keys"``).
  did:key and did:peer resolve by themselves.

Commands (a message argument is a file name, ``-`` for standard input, or
JSON text starting with ``{``; results on standard output; exit status 1
with ``error: ...`` on standard error):

* ``pack [--plaintext|--signed|--anoncrypt|--authcrypt] [--protect-sender]
  [--sign-from KID] --to DID [--from DID] [--secrets JWKS] [--did-docs FILE]
  [--enc ENC] [--no-forward] [--seed HEX] [--json] MESSAGE|-``: print the
  packed message (``--json``: ``{"packed", "to_kids", "from_kid",
  "sign_from_kid", "service_metadata"}``). Default form: authcrypt when
  ``--from`` is given, else anoncrypt. ``--seed`` makes the output
  reproducible (test keys and demos only: SHA-256 counter stream).
* ``unpack --secrets JWKS [--did-docs FILE] [--no-unwrap-forward] PACKED|-``:
  print ``{"message", "metadata"}``.
* ``forward unwrap --secrets JWKS [--did-docs FILE] PACKED|-`` (a mediator):
  print ``{"next", "forwarded", "forward_message"}``; ``forward wrap --to
  DID [--did-docs FILE] [--enc ENC] [--seed HEX] PACKED|-``: wrap a packed
  message for the recipient's routing keys and print ``{"packed",
  "service_metadata"}``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional

from . import _json, v2
from .cli import _guarded, _seeded_rng
from .errors import MalformedMessage, UsageError
from .jwk import JWK
from .v2 import _routing

__all__ = ["add_parser", "load_secrets_file", "load_did_docs_file"]


def _read_file(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from None


def _read_message(arg: str) -> bytes:
    """A message argument: JSON text (starts with ``{``), ``-`` (standard input) or a file name."""
    if arg.lstrip().startswith("{"):
        return arg.encode("utf-8")
    return _read_file(arg, "message file")


def load_secrets_file(path: str) -> Dict[str, JWK]:
    """Read ``--secrets``: a JWKS, an array of JWKs, or ``{"secrets": {kid: JWK}}``.

    Args:
        path: the file name (``-`` for standard input).
    Returns:
        kid -> private JWK.
    Raises:
        UsageError: the file cannot be read.
        MalformedMessage: not JSON, a key without ``kid``, a duplicate or invalid key.
    Spec: RFC 7517 §5 (JWK Set).
    """
    data = _read_file(path, "secrets file")
    obj = _json.loads(data, field=path)
    if isinstance(obj, dict) and isinstance(obj.get("keys"), dict):
        obj = obj["keys"]  # a vectors file's "keys" section
    if isinstance(obj, dict) and isinstance(obj.get("secrets"), dict):
        out: Dict[str, JWK] = {}
        for kid, jwk in obj["secrets"].items():
            key = JWK.from_dict(jwk, where=f"secrets[{kid!r}]")
            if key.kid is not None and key.kid != kid:
                raise MalformedMessage(f"kid {key.kid!r} differs from its name", f"secrets[{kid!r}].kid")
            out[kid] = key.with_kid(kid)
        return out
    return v2.load_jwks(data)


def load_did_docs_file(path: str) -> List[Dict[str, Any]]:
    """Read ``--did-docs``: a document, an array, or ``{"documents": [...]}`` (optionally under ``"keys"``).

    Raises:
        UsageError: the file cannot be read.
        MalformedMessage: not JSON or not one of those shapes.
    """
    obj = _json.loads(_read_file(path, "DID documents file"), field=path)
    if isinstance(obj, dict) and isinstance(obj.get("keys"), dict):
        obj = obj["keys"]
    if isinstance(obj, dict) and "documents" in obj:
        obj = obj["documents"]
    elif isinstance(obj, dict) and "id" in obj:
        obj = [obj]
    if not isinstance(obj, list) or not all(isinstance(d, dict) for d in obj):
        raise MalformedMessage("must be a DID document, an array of them, or {\"documents\": [...]}", path)
    return obj


def _setup(args: argparse.Namespace) -> tuple:
    secrets = load_secrets_file(args.secrets) if getattr(args, "secrets", None) else {}
    docs = load_did_docs_file(args.did_docs) if args.did_docs else []
    return secrets, v2.make_resolver(docs)


def _write_json(obj: Any) -> None:
    sys.stdout.write(_json.dumps(obj) + "\n")


def _service(meta: Optional[_routing.ServiceMetadata]) -> Optional[Dict[str, Any]]:
    if meta is None:
        return None
    return {"id": meta.id, "service_endpoint": meta.service_endpoint, "routing_keys": list(meta.routing_keys)}


def _cmd_pack(args: argparse.Namespace) -> None:
    secrets, resolver = _setup(args)
    message = v2.Message.from_json(_read_message(args.message))
    form = args.form or ("authcrypt" if args.sender else "anoncrypt")
    if form == "plaintext":
        if args.sign_from or args.protect_sender or args.sender:
            raise UsageError("--plaintext takes no --from, --sign-from or --protect-sender")
        sys.stdout.write(v2.pack_plaintext(message) + "\n")
        return
    if form == "signed":
        signer = args.sign_from or args.sender
        if not signer:
            raise UsageError("--signed needs --sign-from KID (or --from DID)")
        if args.protect_sender or args.to:
            raise UsageError("--signed is not encrypted: no --to or --protect-sender")
        result = v2.pack_signed(message, signer, secrets=secrets, resolver=resolver)
        if args.json:
            _write_json({"packed": result.packed, "sign_from_kid": result.sign_from_kid})
        else:
            sys.stdout.write(result.packed + "\n")
        return
    if not args.to:
        raise UsageError(f"--{form} needs --to DID")
    if form == "authcrypt" and not args.sender:
        raise UsageError("--authcrypt needs --from DID")
    if form == "anoncrypt" and (args.sender or args.protect_sender):
        raise UsageError("--anoncrypt takes no --from or --protect-sender")
    encrypted = v2.pack_encrypted(
        message,
        args.to if len(args.to) > 1 else args.to[0],
        frm=args.sender if form == "authcrypt" else None,
        sign_from=args.sign_from,
        protect_sender=args.protect_sender,
        enc=args.enc,
        forward=not args.no_forward,
        secrets=secrets,
        resolver=resolver,
        rng=_seeded_rng(args.seed),
    )
    if args.json:
        _write_json(
            {
                "packed": encrypted.packed,
                "to_kids": list(encrypted.to_kids),
                "from_kid": encrypted.from_kid,
                "sign_from_kid": encrypted.sign_from_kid,
                "service_metadata": _service(encrypted.service_metadata),
            }
        )
    else:
        sys.stdout.write(encrypted.packed + "\n")


def _cmd_unpack(args: argparse.Namespace) -> None:
    secrets, resolver = _setup(args)
    result = v2.unpack(
        _read_message(args.packed), secrets=secrets, resolver=resolver, unwrap_re_wrapping_forward=not args.no_unwrap_forward
    )
    _write_json({"message": result.message.to_dict(), "metadata": result.metadata.to_dict()})


def _cmd_forward_unwrap(args: argparse.Namespace) -> None:
    secrets, resolver = _setup(args)
    result = _routing.unwrap_forward(_read_message(args.packed), secrets=secrets, resolver=resolver)
    _write_json({"next": result.next, "forwarded": _json.loads(result.forwarded), "forward_message": result.forward_message.to_dict()})


def _cmd_forward_wrap(args: argparse.Namespace) -> None:
    _, resolver = _setup(args)
    try:
        packed = _read_message(args.packed).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("is not UTF-8", "packed") from None
    kw: Dict[str, Any] = {} if args.enc is None else {"enc": args.enc}
    wrapped, meta = _routing.wrap_for_recipient(packed.strip(), args.to, resolver=resolver, rng=_seeded_rng(args.seed), **kw)
    _write_json({"packed": _json.loads(wrapped), "service_metadata": _service(meta)})


def add_parser(subparsers: Any) -> None:
    """Add the DIDComm v2 commands ``pack``, ``unpack`` and ``forward {wrap,unwrap}``.

    Args:
        subparsers: the object returned by ``ArgumentParser.add_subparsers``.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--did-docs", help="DID documents: one, an array, or {\"documents\": [...]}")

    p = subparsers.add_parser(
        "pack", parents=[common], help="pack a DIDComm v2 message", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    form = p.add_mutually_exclusive_group()
    for name in ("plaintext", "signed", "anoncrypt", "authcrypt"):
        form.add_argument(f"--{name}", dest="form", action="store_const", const=name)
    p.add_argument("--protect-sender", action="store_true", help="wrap the authcrypt message in anoncrypt")
    p.add_argument("--sign-from", help="sign first with this DID or authentication key id")
    p.add_argument("--to", action="append", default=[], help="recipient DID or key id (repeatable)")
    p.add_argument("--from", dest="sender", help="authcrypt sender DID or keyAgreement key id")
    p.add_argument("--secrets", help="JWKS file with the sender's private keys")
    p.add_argument("--enc", help="content encryption (A256CBC-HS512, A256GCM, XC20P)")
    p.add_argument("--no-forward", action="store_true", help="do not wrap for the recipient's mediators")
    p.add_argument("--seed", help="hex seed for reproducible output (demos and tests only)")
    p.add_argument("--json", action="store_true", help="print the packed message with its metadata")
    p.add_argument("message", help="the plaintext message: a file, - for standard input, or JSON text")
    p.set_defaults(func=_guarded(_cmd_pack))

    p = subparsers.add_parser("unpack", parents=[common], help="unpack any DIDComm v2 message")
    p.add_argument("--secrets", required=True, help="JWKS file with the recipient's private keys")
    p.add_argument("--no-unwrap-forward", action="store_true", help="return a re-wrapping forward as is")
    p.add_argument("packed", help="the packed message: a file, - for standard input, or JSON text")
    p.set_defaults(func=_guarded(_cmd_unpack))

    p = subparsers.add_parser("forward", help="routing/2.0: wrap for mediators, or unwrap as one")
    commands = p.add_subparsers(dest="forward_command", required=True)
    w = commands.add_parser("unwrap", parents=[common], help="decrypt a forward with the mediator's keys")
    w.add_argument("--secrets", required=True, help="JWKS file with the mediator's private keys")
    w.add_argument("packed", help="the forward: a file, - for standard input, or JSON text")
    w.set_defaults(func=_guarded(_cmd_forward_unwrap))
    w = commands.add_parser("wrap", parents=[common], help="wrap a packed message for the recipient's routing keys")
    w.add_argument("--to", required=True, help="recipient DID")
    w.add_argument("--enc", help="content encryption of the forward layers (default A256CBC-HS512)")
    w.add_argument("--seed", help="hex seed for reproducible output (demos and tests only)")
    w.add_argument("packed", help="the packed message: a file, - for standard input, or JSON text")
    w.set_defaults(func=_guarded(_cmd_forward_wrap))
