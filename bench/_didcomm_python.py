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

Timing: didcomm-python is async. Each measurement runs N awaited calls inside
one coroutine on one event loop created once, under the same policy as
``messages.timed`` (repeat until ``min_time`` has passed, at least once, at
most ``max_iterations``), so event-loop start-up is not charged to it.

Cross-checks before timing, per case: didcomm-python's unpack of its own
message, our unpack of its message, and its unpack of ours must all yield the
original body; and its message must have the layers ours has (JWS/JWE, alg,
enc, recipient count per layer, peeled by ``messages.layers``). A failure is
recorded as a footnote with the exact error; the case is still timed.
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
        #: one line per finding: "case label: text"
        self.footnotes: List[str] = []

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

    def unpacker(self, to: str, hops: int) -> Callable[[str], Awaitable[Any]]:
        """An async closure doing each mediator's ``unpack_forward`` and then the recipient's ``unpack``."""
        mediators = self._mediators[:hops]
        recipient = self._recipients[to]

        async def run(packed: str) -> Any:
            current = packed
            for cfg in mediators:
                forwarded = await didcomm.unpack_forward(cfg, current, False)
                current = json.dumps(forwarded.forwarded_msg, separators=(",", ":"))
            return await didcomm.unpack(recipient, current)
        return run

    # -- one case -------------------------------------------------------------

    def run_case(self, form: str, label: str, msg: v2.Message, to: str, hops: int, ours_packed: str,
                 min_time: float, max_iterations: int) -> Optional[Tuple[float, float]]:
        """Cross-check, then time their pack and unpack; None (and a footnote) when they cannot pack the case.

        Returns:
            (seconds per pack, seconds per unpack), or None.
        """
        pack = self.packer(form, msg, to, hops)
        unpack = self.unpacker(to, hops)
        run = self._loop.run_until_complete
        try:
            theirs_packed = run(pack())
        except _FOREIGN_ERRORS as exc:
            self.footnotes.append(f"{label}: n/a: didcomm-python cannot pack it: {_error(exc)}")
            return None
        try:
            body = run(unpack(theirs_packed)).message.body
            if body != msg.body:
                self.footnotes.append(f"{label}: didcomm-python's unpack of its own message gave a different body")
        except _FOREIGN_ERRORS as exc:
            self.footnotes.append(f"{label}: n/a: didcomm-python cannot unpack its own message: {_error(exc)}")
            return None
        self._interop(form, label, msg, to, hops, theirs_packed, ours_packed, unpack)
        if form != "plaintext":
            self._same_layers(form, label, to, theirs_packed, ours_packed)
        t_pack = run(_atimed(pack, None, min_time, max_iterations))
        t_unpack = run(_atimed(unpack, theirs_packed, min_time, max_iterations))
        return t_pack, t_unpack

    def _interop(self, form: str, label: str, msg: v2.Message, to: str, hops: int, theirs_packed: str, ours_packed: str,
                 unpack: Callable[[str], Awaitable[Any]]) -> None:
        try:
            ours = self._our_unpack(theirs_packed, to, hops)
            if ours.message.body != msg.body:
                self.footnotes.append(f"{label}: interop: our unpack of didcomm-python's message gave a different body")
        except _FOREIGN_ERRORS as exc:
            kind = "" if isinstance(exc, RefDIDCommError) else " (not a refdidcomm error: a bug of ours)"
            self.footnotes.append(f"{label}: interop: our unpack of didcomm-python's message failed{kind}: {_error(exc)}")
        try:
            body = self._loop.run_until_complete(unpack(ours_packed)).message.body
            if body != msg.body:
                self.footnotes.append(f"{label}: interop: didcomm-python's unpack of our message gave a different body")
        except _FOREIGN_ERRORS as exc:
            self.footnotes.append(f"{label}: interop: didcomm-python's unpack of our message failed: {_error(exc)}")

    def _same_layers(self, form: str, label: str, to: str, theirs_packed: str, ours_packed: str) -> None:
        try:
            theirs = [layer[:3] for layer in self._peel(theirs_packed, to)]
        except RefDIDCommError as exc:
            theirs = [f"unpeelable: {_error(exc)}"]
        ours = [layer[:3] for layer in self._peel(ours_packed, to)]
        if theirs != ours:
            self.footnotes.append(f"{label}: not like for like: its layers {theirs}, ours {ours}")


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


async def _atimed(fn: Callable[..., Awaitable[Any]], arg: Optional[str], min_time: float, max_iterations: int) -> float:
    """``messages.timed`` for a coroutine function: N awaited calls in this one coroutine; seconds per call."""
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
    return elapsed / iterations
