"""The didcomm-python column of ``bench/messages.py``: the same cases through the ``didcomm`` package.

Not a project dependency: importing this module raises :class:`ImportError`
when the ``didcomm`` package (didcomm-python, PyPI ``didcomm``) is absent, and
``bench/messages.py`` then runs without the column. Set up a separate
environment for the comparison (never in the project's own)::

    python3 -m venv /tmp/dcpy && /tmp/dcpy/bin/pip install didcomm /work/main
    /tmp/dcpy/bin/python bench/messages.py --quick --backend native

Only didcomm-python's public API is used: ``pack_plaintext``,
``pack_signed``, ``pack_encrypted`` (``PackEncryptedConfig``), ``unpack``,
``unpack_forward`` (its mediator entry point), ``ResolversConfig`` with our own
``DIDResolver`` and ``SecretsResolver`` subclasses, ``DIDDoc`` and ``Secret``.

What is translated, and why:

* identities: the benchmark ``World``'s DID documents and private JWKs, key
  for key. Secrets become ``Secret(kid, JsonWebKey2020, JWK)``.
* the ``DIDCommMessaging`` service: ``World`` writes the DIDComm v2.1 form
  (``serviceEndpoint`` an object with ``uri``, ``accept``, ``routingKeys``).
  didcomm-python 0.3.x reads only the older flat form (``serviceEndpoint``
  a string beside ``accept`` and ``routingKeys``): given the object form its
  ``pack_encrypted`` fails (see :func:`service_form_check`), so its documents
  get the flat form with the same URI, accept list and routing keys.
* the content encryption of anonymous layers: didcomm-python's default
  ``enc_alg_anon`` is XC20P; ours is A256CBC-HS512. Each case sets it to what
  ours uses for that case (the form's ``enc`` for anoncrypt, A256CBC-HS512 for
  the protect_sender wrapper and every forward layer), so both do the same
  cryptography.
* mediators: per hop, ``unpack_forward`` with that mediator's secrets, then
  the forwarded message is serialized to JSON text, as a mediator sends it on
  (our :func:`refdidcomm.routing.unwrap_forward` hands back JSON text too).

Limits met (authlib 1.9.9, which didcomm-python 0.3.2 decrypts with):
``JsonWebEncryption.MAX_RECIPIENTS = 16`` and a 256000-character cap on every
base64url member, so its unpack fails (CAN_NOT_DECRYPT, cause "Too many
recipients." / "Value of ciphertext is too long") at 50 recipients and at
1 MiB; its pack still works there and is timed, its unpack column is n/a.

Timing: didcomm-python is async. Each measurement runs N awaited calls inside
one coroutine on one event loop created once, under the same policy as
``messages.timed`` (the best of three rounds, each repeating until
``min_time`` has passed, at least once, at most ``max_iterations``), so
event-loop start-up is not charged to it.

Cross-checks before timing, per case: didcomm-python's unpack of its own
message, our unpack of its message, and its unpack of ours must all yield the
original body; and its message must have the layers ours has (JWS/JWE, alg,
enc, recipient count per layer, peeled by ``messages.layers``). A failure is
a footnote with the exact error (for a failed decryption, the cause
didcomm-python's default mode swallows, found by repeating the unpack with
``expect_decrypt_by_all_keys``); what it can still do is timed.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import time
import warnings
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

with warnings.catch_warnings():
    # authlib (a didcomm-python dependency) warns that authlib.jose is deprecated when didcomm imports
    # it; its warnings module installs an "always" filter on import, so it goes first, then ours.
    try:
        import authlib.deprecate  # noqa: F401
    except ImportError:
        pass  # then importing didcomm fails too, and says which package is missing
    warnings.simplefilter("ignore")
    import didcomm
    from didcomm import (
        AnonCryptAlg,
        DIDDoc,
        DIDResolver,
        PackEncryptedConfig,
        ResolversConfig,
        Secret,
        SecretsResolver,
        VerificationMaterial,
        VerificationMaterialFormat,
        VerificationMethodType,
    )

from refdidcomm import v2  # noqa: E402
from refdidcomm.errors import RefDIDCommError  # noqa: E402
from refdidcomm.jwk import JWK  # noqa: E402

__all__ = ["VERSION", "Comparison", "flat_services", "secret", "service_form_check"]

#: The installed distribution's version (``didcomm.__version__`` of 0.3.2 still says 0.3.1).
VERSION = importlib.metadata.version("didcomm")

_ANON_ALG = {
    "A256CBC-HS512": AnonCryptAlg.A256CBC_HS512_ECDH_ES_A256KW,
    "A256GCM": AnonCryptAlg.A256GCM_ECDH_ES_A256KW,
    "XC20P": AnonCryptAlg.XC20P_ECDH_ES_A256KW,
}

# Their failures are reported, not hidden: a foreign library can fail with any
# exception type (its own DIDCommError, pydantic/authlib errors, AttributeError
# on a document shape it does not expect), and each one is a finding.
_FOREIGN_ERRORS = (Exception,)


class _Resolver(DIDResolver):
    """didcomm-python's async DID resolver over a dict of its ``DIDDoc`` objects."""

    def __init__(self, docs: Mapping[str, DIDDoc]) -> None:
        self._docs = dict(docs)

    async def resolve(self, did: Any) -> Optional[DIDDoc]:
        return self._docs.get(str(did))


class _Secrets(SecretsResolver):
    """didcomm-python's async secrets resolver over one party's private keys."""

    def __init__(self, keys: Mapping[str, JWK]) -> None:
        self._secrets = {kid: secret(kid, key) for kid, key in keys.items()}

    async def get_key(self, kid: Any) -> Optional[Secret]:
        return self._secrets.get(str(kid))

    async def get_keys(self, kids: List[Any]) -> List[Any]:
        return [kid for kid in kids if str(kid) in self._secrets]


def secret(kid: str, key: JWK) -> Secret:
    """A private JWK as didcomm-python's ``Secret`` (JsonWebKey2020, JWK material)."""
    material = key.with_kid(kid).to_dict(private=True)
    return Secret(kid=kid, type=VerificationMethodType.JSON_WEB_KEY_2020,
                  verification_material=VerificationMaterial(format=VerificationMaterialFormat.JWK, value=json.dumps(material)))


def flat_services(doc: Mapping[str, Any]) -> Dict[str, Any]:
    """``doc`` with each DIDComm v2.1 service (endpoint object) in the flat form didcomm-python reads."""
    out = dict(doc)
    services = []
    for service in doc.get("service", []):
        endpoint = service.get("serviceEndpoint")
        if service.get("type") == "DIDCommMessaging" and isinstance(endpoint, dict):
            service = {"id": service["id"], "type": "DIDCommMessaging", "serviceEndpoint": endpoint["uri"],
                       "accept": endpoint.get("accept", ["didcomm/v2"]), "routingKeys": endpoint.get("routingKeys", []),
                       "recipientKeys": []}
        services.append(service)
    if services:
        out["service"] = services
    return out


def _to_their_message(msg: v2.Message) -> didcomm.Message:
    return didcomm.Message(id=msg.id, type=msg.type, body=msg.body, frm=msg.from_, to=list(msg.to or []),
                           created_time=msg.created_time)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


class Comparison:
    """The benchmark ``World`` seen through didcomm-python, with one event loop for every call.

    Args:
        world: ``messages.World`` (docs, secrets, mediator_secrets, recipient_secret).
        our_unpack: ``(packed, to, hops) -> v2.UnpackResult``, our mediators' and recipient's unpack.
        peel: ``(packed, to) -> layers`` (``messages.layers``: per JWE layer its (kind, (alg, enc),
            recipients, ...)); both packers must produce the same kinds, algorithms and recipient
            counts, layer for layer, or the comparison is not like for like (a footnote says so).
    """

    def __init__(self, world: Any, our_unpack: Callable[[str, str, int], Any],
                 peel: Callable[[str, str], List[Tuple[Any, ...]]]) -> None:
        docs = {d["id"]: DIDDoc.deserialize(flat_services(d)) for d in world.docs}
        resolver = _Resolver(docs)
        self._raw_docs = {d["id"]: d for d in world.docs}
        self._sender = ResolversConfig(secrets_resolver=_Secrets(world.secrets), did_resolver=resolver)
        self._mediators = [ResolversConfig(secrets_resolver=_Secrets(m), did_resolver=resolver) for m in world.mediator_secrets]
        self._recipients = {did: ResolversConfig(secrets_resolver=_Secrets(keys), did_resolver=resolver)
                            for did, keys in world.recipient_secret.items()}
        self._our_unpack = our_unpack
        self._peel = peel
        self._loop = asyncio.new_event_loop()

    def finish(self) -> List[str]:
        """Close the event loop (after finalizing the async generators its calls left suspended).

        Returns:
            findings that concern no one case: whether didcomm-python packs to a
            document whose service has the DIDComm v2.1 form (see :func:`flat_services`).
        """
        notes = []
        error = service_form_check(self._raw_docs, self._sender.secrets_resolver,
                                   v2.Message(id="probe", type="https://example.org/bench/1.0/m", from_="did:example:alice",
                                              to=["did:example:r1h1"], body={}), "did:example:r1h1", self._loop)
        if error is not None:
            notes.append("didcomm-python reads only the flat DIDCommMessaging service form; with the DIDComm v2.1 "
                         f"serviceEndpoint object its pack_encrypted fails ({error}); its documents here use the flat form")
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()
        return notes

    # -- their pack and unpack ---------------------------------------------

    def packer(self, form: str, msg: v2.Message, to: str, hops: int) -> Callable[[], Awaitable[str]]:
        """An async closure packing ``msg`` in ``form`` as the sender (forward wrapping included)."""
        theirs = _to_their_message(msg)
        cfg = self._sender
        alice = "did:example:alice"
        if form == "plaintext":
            async def plain() -> str:
                return (await didcomm.pack_plaintext(cfg, theirs)).packed_msg
            return plain
        if form == "signed":
            async def signed() -> str:
                return (await didcomm.pack_signed(cfg, theirs, sign_frm=alice)).packed_msg
            return signed
        anon_enc = form.split()[1] if form.startswith("anoncrypt") else "A256CBC-HS512"
        config = PackEncryptedConfig(enc_alg_anon=_ANON_ALG[anon_enc], protect_sender_id=form == "protect_sender",
                                     forward=hops > 0)
        frm = None if form.startswith("anoncrypt") else alice
        sign_frm = alice if form == "sign+encrypt" else None

        async def encrypted() -> str:
            return (await didcomm.pack_encrypted(cfg, theirs, to=to, frm=frm, sign_frm=sign_frm, pack_config=config)).packed_msg
        return encrypted

    def unpacker(self, to: str, hops: int, all_keys: bool = False) -> Callable[[str], Awaitable[Any]]:
        """An async closure doing each mediator's ``unpack_forward`` and then the recipient's ``unpack``.

        Args:
            all_keys: didcomm-python's "decrypt by all keys" mode. Off for timing (its
                default); on, a failed decryption raises with the underlying error as
                ``__cause__`` instead of a bare CAN_NOT_DECRYPT (see :meth:`_why`).
        """
        mediators = self._mediators[:hops]
        recipient = self._recipients[to]
        config = didcomm.UnpackConfig(expect_decrypt_by_all_keys=all_keys)

        async def run(packed: str) -> Any:
            current = packed
            for cfg in mediators:
                forwarded = await didcomm.unpack_forward(cfg, current, all_keys)
                current = json.dumps(forwarded.forwarded_msg, separators=(",", ":"))
            return await didcomm.unpack(recipient, current, config)
        return run

    # -- one case -------------------------------------------------------------

    def run_case(self, form: str, msg: v2.Message, to: str, hops: int, ours_packed: str,
                 min_time: float, max_iterations: int) -> Tuple[Optional[float], Optional[float], List[str]]:
        """Cross-check, then time their pack and unpack.

        Returns:
            (seconds per pack or None, seconds per unpack or None, footnotes): None
            where didcomm-python cannot do that half; a footnote per finding.
        """
        notes: List[str] = []
        pack = self.packer(form, msg, to, hops)
        unpack = self.unpacker(to, hops)
        run = self._loop.run_until_complete
        try:
            theirs_packed = run(pack())
        except _FOREIGN_ERRORS as exc:
            return None, None, [f"n/a: didcomm-python cannot pack it: {_error(exc)}"]
        unpacks = True
        try:
            if run(unpack(theirs_packed)).message.body != msg.body:
                notes.append("didcomm-python's unpack of its own message gives a different body")
        except _FOREIGN_ERRORS:
            unpacks = False
            notes.append(f"unpack n/a: didcomm-python cannot unpack its own message: {self._why(theirs_packed, to, hops)}")
        notes += self._interop(msg, to, hops, theirs_packed, ours_packed, unpack)
        if form != "plaintext":
            notes += self._same_layers(to, theirs_packed, ours_packed)
        t_pack = run(_atimed(pack, None, min_time, max_iterations))
        t_unpack = run(_atimed(unpack, theirs_packed, min_time, max_iterations)) if unpacks else None
        return t_pack, t_unpack, notes

    def _why(self, packed: str, to: str, hops: int) -> str:
        """The error of didcomm-python's unpack of ``packed``, with the cause its default mode hides."""
        try:
            self._loop.run_until_complete(self.unpacker(to, hops, all_keys=True)(packed))
        except _FOREIGN_ERRORS as exc:
            text = _error(exc)
            if exc.__cause__ is not None:
                text += f" <- {_error(exc.__cause__)}"
            return text
        return "it fails only in its default mode, not with expect_decrypt_by_all_keys"

    def _interop(self, msg: v2.Message, to: str, hops: int, theirs_packed: str, ours_packed: str,
                 unpack: Callable[[str], Awaitable[Any]]) -> List[str]:
        notes = []
        try:
            if self._our_unpack(theirs_packed, to, hops).message.body != msg.body:
                notes.append("interop: our unpack of didcomm-python's message gives a different body")
        except _FOREIGN_ERRORS as exc:
            kind = "" if isinstance(exc, RefDIDCommError) else " (not a refdidcomm error: a bug of ours)"
            notes.append(f"interop: our unpack of didcomm-python's message fails{kind}: {_error(exc)}")
        try:
            if self._loop.run_until_complete(unpack(ours_packed)).message.body != msg.body:
                notes.append("interop: didcomm-python's unpack of our message gives a different body")
        except _FOREIGN_ERRORS:
            notes.append(f"interop: didcomm-python's unpack of our message fails: {self._why(ours_packed, to, hops)}")
        return notes

    def _same_layers(self, to: str, theirs_packed: str, ours_packed: str) -> List[str]:
        try:
            theirs = [layer[:3] for layer in self._peel(theirs_packed, to)]
        except RefDIDCommError as exc:
            theirs = [f"unpeelable: {_error(exc)}"]
        ours = [layer[:3] for layer in self._peel(ours_packed, to)]
        return [] if theirs == ours else [f"not like for like: its layers {theirs}, ours {ours}"]


def service_form_check(raw_docs: Mapping[str, Mapping[str, Any]], secrets: SecretsResolver, msg: v2.Message, to: str,
                       loop: asyncio.AbstractEventLoop) -> Optional[str]:
    """Pack once with the documents as ``World`` wrote them (no :func:`flat_services`); the error, or None."""
    try:
        resolver = _Resolver({did: DIDDoc.deserialize(doc) for did, doc in raw_docs.items()})
        cfg = ResolversConfig(secrets_resolver=secrets, did_resolver=resolver)
        loop.run_until_complete(didcomm.pack_encrypted(cfg, _to_their_message(msg), to=to, frm="did:example:alice"))
    except _FOREIGN_ERRORS as exc:
        return _error(exc)
    return None


async def _atimed(fn: Callable[..., Awaitable[Any]], arg: Optional[str], min_time: float, max_iterations: int,
                  repeat: int = 3) -> float:
    """``messages.timed`` for a coroutine function: the best of ``repeat`` rounds (as ours), each N
    awaited calls in this one coroutine; seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        iterations = 0
        start = time.perf_counter()
        elapsed = 0.0
        while iterations < max_iterations and (iterations == 0 or elapsed < min_time):
            if arg is None:
                await fn()
            else:
                await fn(arg)
            iterations += 1
            elapsed = time.perf_counter() - start
        best = min(best, elapsed / iterations)
    return best
