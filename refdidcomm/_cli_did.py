"""``python -m refdidcomm did ...``: resolve DIDs, create did:key / did:peer, generate keys.

Subcommands::

    did resolve DID [--legacy] [--known DID]... [--documents FILE]
    did create key|peer0 [--key SPEC] [--private] [--seed HEX]
    did create peer2 [--key PURPOSE:SPEC]... [--service JSON]...
                     [--endpoint URI [--accept MT]... [--routing-key KEY]...]
                     [--private] [--seed HEX]
    did create peer4 [--document JSON|@FILE | the peer2 options] [--private] [--seed HEX]
    did keys [--crv CRV]... [--count N] [--seed HEX]

A key SPEC is a curve name (``Ed25519``, ``X25519``, ``P-256``, ``P-384``,
``P-521``, ``secp256k1``: a new key is generated), a JWK as JSON text or
``@file`` (public or private), or a Multikey ``z...`` (public only). The
PURPOSE of a did:peer:2 key is a purpose code (``V``, ``E``, ``A``, ``I``,
``D``) or a relationship name. Without ``--key``, did:peer:2 and did:peer:4
get ``V:Ed25519`` and ``E:X25519``.

``create`` prints the DID (did:peer:4: the long form, then the short form).
With ``--private`` it prints a JSON object instead: ``did`` (and
``short_did``) and ``keys``, the private JWKs of the keys it holds the
private part of, each with ``kid`` = the verification method's DID URL (for
did:peer:4, of the long form). For an Ed25519 did:key/did:peer:0 the derived
X25519 key agreement private key is included.

``--seed HEX`` derives every generated key from the seed (SHA-256 in counter
mode): reproducible output for tests and examples, never for real keys.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _json, crypto
from .cli import _guarded, _seeded_rng
from .did import create_did_key, create_peer0, create_peer2, create_peer4, resolve
from .did._didkey import DID_CONTEXT, MULTIKEY_CONTEXT
from .did._document import multikey_of
from .did._peer2 import PURPOSE_CODES
from .encoding import multikey_encode
from .errors import UsageError
from .jwk import JWK, generate

__all__ = ["add_parser"]

_CURVES = ("Ed25519", "X25519", "P-256", "P-384", "P-521", "secp256k1")
_RELATIONSHIP_CODE = {name: code for code, name in PURPOSE_CODES.items()}


def _read_json_arg(text: str, what: str) -> Any:
    if text.startswith("@"):
        try:
            with open(text[1:], "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read {what} file {text[1:]!r}: {exc.strerror}") from None
    else:
        data = text.encode("utf-8")
    return _json.loads(data, field=what)


def _key_from_spec(spec: str, rng: Optional[Callable[[int], bytes]]) -> Tuple[Any, Optional[JWK]]:
    """SPEC -> (key for create_*, private JWK or None)."""
    if spec in _CURVES:
        jwk = generate(spec, rng=rng)
        return jwk, jwk
    if spec.startswith("z"):
        return spec, None
    if spec.startswith(("{", "@")):
        jwk = JWK.from_dict(_read_json_arg(spec, "jwk"))
        return jwk, jwk if jwk.is_private else None
    raise UsageError(f"a key is a curve name ({', '.join(_CURVES)}), a JWK (JSON or @file) or a Multikey, not {spec!r}")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _cmd_resolve(args: argparse.Namespace) -> int:
    documents: Dict[str, Any] = {}
    if args.documents:
        loaded = _read_json_arg("@" + args.documents, "documents")
        if isinstance(loaded, list):
            documents = {doc.get("id"): doc for doc in loaded if isinstance(doc, dict)}
        elif isinstance(loaded, dict):
            documents = loaded
        else:
            raise UsageError("--documents must hold a JSON array of documents or an object DID -> document")
    doc = resolve(args.did, documents=documents, legacy=args.legacy, known=args.known or ())
    _print_json(doc.to_dict())
    return 0


def _private_out(jwk: JWK, kid: str) -> Dict[str, Any]:
    return jwk.with_kid(kid).to_dict(private=True)


def _cmd_create_single(args: argparse.Namespace) -> int:
    rng = _seeded_rng(args.seed)
    key, private = _key_from_spec(args.key or "Ed25519", rng)
    did = create_did_key(key) if args.method == "key" else create_peer0(key)
    if not args.private:
        print(did)
        return 0
    keys: List[Dict[str, Any]] = []
    if private is not None:
        multikey = multikey_of(private)
        keys.append(_private_out(private, f"{did}#{multikey}"))
        if private.crv == "Ed25519":
            # The did:key "Encryption Method Creation Algorithm" key: its
            # private half is the X25519 key of the Ed25519 seed.
            be = crypto.backend(crypto.BACKEND)
            x_priv = be.ed25519_seed_to_x25519(private.d)
            x_jwk = JWK(kty="OKP", crv="X25519", x=be.x25519_public_key(x_priv), d=x_priv)
            keys.append(_private_out(x_jwk, f"{did}#{multikey_encode('x25519-pub', x_jwk.x)}"))
    _print_json({"did": did, "keys": keys})
    return 0


def _peer_keys(args: argparse.Namespace, rng: Optional[Callable[[int], bytes]]) -> List[Tuple[str, Any, Optional[JWK]]]:
    specs = args.key or ["V:Ed25519", "E:X25519"]
    out = []
    for spec in specs:
        purpose, sep, key_spec = spec.partition(":")
        if not sep:
            raise UsageError(f"--key must be PURPOSE:KEY (e.g. V:Ed25519), not {spec!r}")
        code = purpose if purpose in PURPOSE_CODES else _RELATIONSHIP_CODE.get(purpose)
        if code is None:
            raise UsageError(f"unknown purpose {purpose!r} (V, E, A, I, D or a relationship name)")
        key, private = _key_from_spec(key_spec, rng)
        out.append((code, key, private))
    return out


def _peer_services(args: argparse.Namespace) -> List[Dict[str, Any]]:
    services = [_read_json_arg(text, "service") for text in args.service or []]
    if args.endpoint:
        endpoint: Dict[str, Any] = {"uri": args.endpoint}
        if args.accept:
            endpoint["accept"] = list(args.accept)
        if args.routing_key:
            endpoint["routingKeys"] = list(args.routing_key)
        services.append({"type": "DIDCommMessaging", "serviceEndpoint": endpoint})
    elif args.accept or args.routing_key:
        raise UsageError("--accept and --routing-key belong to --endpoint")
    return services


def _cmd_create_peer2(args: argparse.Namespace) -> int:
    rng = _seeded_rng(args.seed)
    keys = _peer_keys(args, rng)
    did = create_peer2([(code, key) for code, key, _ in keys], _peer_services(args))
    if not args.private:
        print(did)
        return 0
    secrets = [
        _private_out(private, f"{did}#key-{number}")
        for number, (_, _, private) in enumerate(keys, start=1)
        if private is not None
    ]
    _print_json({"did": did, "keys": secrets})
    return 0


def _cmd_create_peer4(args: argparse.Namespace) -> int:
    rng = _seeded_rng(args.seed)
    privates: List[Tuple[str, JWK]] = []
    if args.document:
        if args.key or args.service or args.endpoint:
            raise UsageError("--document excludes --key, --service and --endpoint")
        document = _read_json_arg(args.document, "document")
    else:
        document = {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "verificationMethod": []}
        for number, (code, key, private) in enumerate(_peer_keys(args, rng), start=1):
            multikey = key if isinstance(key, str) else multikey_of(key)
            vm_id = f"#key-{number}"
            document["verificationMethod"].append({"id": vm_id, "type": "Multikey", "publicKeyMultibase": multikey})
            document.setdefault(PURPOSE_CODES[code], []).append(vm_id)
            if private is not None:
                privates.append((vm_id, private))
        services = _peer_services(args)
        for number, service in enumerate(services):
            service.setdefault("id", "#service" if number == 0 else f"#service-{number}")
        if services:
            document["service"] = services
    long_form, short_form = create_peer4(document)
    if not args.private:
        print(long_form)
        print(short_form)
        return 0
    secrets = [_private_out(private, long_form + vm_id) for vm_id, private in privates]
    _print_json({"did": long_form, "short_did": short_form, "keys": secrets})
    return 0


def _cmd_keys(args: argparse.Namespace) -> int:
    rng = _seeded_rng(args.seed)
    if args.count < 1:
        raise UsageError("--count must be at least 1")
    out = []
    for crv in args.crv or ["Ed25519", "X25519"]:
        if crv not in _CURVES:
            raise UsageError(f"unknown curve {crv!r} ({', '.join(_CURVES)})")
        for _ in range(args.count):
            jwk = generate(crv, rng=rng)
            out.append({"did_key": create_did_key(jwk), "jwk": jwk.to_dict(private=True)})
    _print_json(out)
    return 0


def _add_peer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", action="append", metavar="PURPOSE:KEY", help="a key and its purpose (repeatable)")
    parser.add_argument("--service", action="append", metavar="JSON", help="a service object, JSON or @file (repeatable)")
    parser.add_argument("--endpoint", metavar="URI", help="add a DIDCommMessaging service with this uri")
    parser.add_argument("--accept", action="append", metavar="MEDIA_TYPE", help="accept entry of --endpoint (repeatable)")
    parser.add_argument("--routing-key", action="append", metavar="DID_URL", help="routing key of --endpoint (repeatable)")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--private", action="store_true", help="print a JSON object with the private JWKs")
    parser.add_argument("--seed", metavar="HEX", help="derive generated keys from this seed (testing only)")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``did`` command to an argparse subparsers object.

    Every leaf sets ``func(args) -> exit status``.

    Returns:
        the ``did`` parser.
    """
    parser = subparsers.add_parser("did", help="resolve and create DIDs (did:key, did:peer), generate keys")
    commands = parser.add_subparsers(dest="did_command", required=True)

    p = commands.add_parser("resolve", help="print the DID document of a DID as JSON")
    p.add_argument("did")
    p.add_argument("--legacy", action="store_true", help="peerdid-python 0.5.2 shape for did:peer:0/2/3")
    p.add_argument("--known", action="append", metavar="DID", help="a long-form peer DID (for did:peer:3, short did:peer:4)")
    p.add_argument("--documents", metavar="FILE", help="JSON file: documents for other methods (did:example)")
    p.set_defaults(func=_guarded(_cmd_resolve))

    create = commands.add_parser("create", help="create a DID").add_subparsers(dest="did_method", required=True)
    for method in ("key", "peer0"):
        p = create.add_parser(method, help=f"create a {'did:key' if method == 'key' else 'did:peer:0'}")
        p.add_argument("--key", metavar="KEY", help="curve name, JWK (JSON or @file) or Multikey; default Ed25519")
        _add_common(p)
        p.set_defaults(func=_guarded(_cmd_create_single), method=method)
    p = create.add_parser("peer2", help="create a did:peer:2")
    _add_peer_options(p)
    _add_common(p)
    p.set_defaults(func=_guarded(_cmd_create_peer2))
    p = create.add_parser("peer4", help="create a did:peer:4 (long and short form)")
    p.add_argument("--document", metavar="JSON", help="the input document, JSON or @file")
    _add_peer_options(p)
    _add_common(p)
    p.set_defaults(func=_guarded(_cmd_create_peer4))

    p = commands.add_parser("keys", help="generate key pairs as private JWKs (with their did:key)")
    p.add_argument("--crv", action="append", metavar="CRV", help=f"curve ({', '.join(_CURVES)}); repeatable")
    p.add_argument("--count", type=int, default=1, help="keys per curve")
    p.add_argument("--seed", metavar="HEX", help="derive the keys from this seed (testing only)")
    p.set_defaults(func=_guarded(_cmd_keys))
    return parser
