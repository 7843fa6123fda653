"""``python -m refdidcomm demo``: Alice, Bob and three cloud agents on loopback, six flows end to end.

Everything runs in one process on 127.0.0.1 ephemeral ports: three RFC 0346
cloud agents (one sqlite inbox file, a temporary one unless ``db_path`` is
given) and the edge agents of Alice and Bob, each registered with all three.
Every message travels as a real HTTP POST through a random chain of the
cloud agents and is fetched from the recipient's consumer endpoint:

1. Alice creates a DIDComm v2 out-of-band invitation (URL and terminal QR
   code) from a did:peer:2 that carries her service; Bob decodes it.
2. Bob replies from a fresh did:peer:2 of his, authcrypted, ``pthid`` = the
   invitation id, through routing/2.0 forwards; Alice unpacks it.
3. Alice rotates her DID with ``from_prior``; Bob checks and accepts it and
   answers to the new DID.
4. An RFC 0482 coprotocol binding between them: bind, attach, input,
   output, detach (DIDComm v2 messages over the same route).
5. The DIDComm v1 path of RFC 0346: an RFC 0434 invitation, v1 messages in
   routing/1.0 forwards through the random chain, picked up from the
   consumer endpoint.
6. Alice ends the relationship: ``from_prior`` without ``sub``, no ``from``.

Each step checks what it claims (authentication, thread ids, keys, states);
a check that does not hold fails the step, and a step whose earlier step
failed does not run. A step whose library layer cannot be imported is
reported as unavailable. :func:`run` returns 0 only if every step checked out.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from .. import crypto
from .._message_type import new_message_id
from ..errors import RefDIDCommError, UsageError
from ._edge import EdgeAgent, Received, Routed
from ._rfc0346 import CloudAgent
from ._transport import DEFAULT_TIMEOUT

__all__ = ["StepResult", "DemoReport", "DemoCheckFailed", "Demo", "STEPS", "run"]

# (number, title, modules the step needs)
STEPS: Tuple[Tuple[int, str, Tuple[str, ...]], ...] = (
    (1, "Alice's out-of-band invitation (DIDComm v2, did:peer:2, QR code)", ("refdidcomm.oob", "refdidcomm.qr", "refdidcomm.v2")),
    (2, "Bob answers: authcrypted DIDComm v2 through routing/2.0 forwards", ("refdidcomm.v2", "refdidcomm.routing")),
    (3, "Alice rotates her DID (from_prior); Bob accepts", ("refdidcomm.v2",)),
    (4, "Coprotocol binding (RFC 0482): bind, attach, input, output, detach", ("refdidcomm.coprotocol", "refdidcomm.v2")),
    (5, "DIDComm v1: RFC 0434 invitation, routing/1.0 through the random chain", ("refdidcomm.oob", "refdidcomm.v1")),
    (6, "Alice ends the relationship (from_prior without sub)", ("refdidcomm.v2",)),
)
# Which earlier steps each step builds on.
_DEPENDS = {2: (1,), 3: (2,), 4: (3,), 6: (3,)}

BASICMESSAGE_V2 = "https://didcomm.org/basicmessage/2.0/message"
BASICMESSAGE_V1 = "https://didcomm.org/basicmessage/1.0/message"
PING_V1 = "https://didcomm.org/trust_ping/1.0/ping"
PING_RESPONSE_V1 = "https://didcomm.org/trust_ping/1.0/ping_response"
INVITATION_BASE = "https://alice.example/invite"  # the URL only carries the invitation; nothing is fetched from it


class DemoCheckFailed(RefDIDCommError):
    """Something a demo step checks did not hold."""


@dataclass
class StepResult:
    """What one step did.

    Attributes:
        number, title: the step.
        status: ``"ok"``, ``"failed"``, ``"unavailable"`` (a library layer
            is missing) or ``"skipped"`` (a step it builds on did not succeed).
        detail: why, when not ok.
        messages: DIDComm messages delivered.
        hops: HTTP hops they took (each forward, plus the final store).
        bytes: bytes POSTed over all those hops.
        seconds: wall time of the step.
        checks: what was verified.
        transcript: the messages, decoded, with their routes.
    """

    number: int
    title: str
    status: str = "ok"
    detail: str = ""
    messages: int = 0
    hops: int = 0
    bytes: int = 0
    seconds: float = 0.0
    checks: List[str] = field(default_factory=list)
    transcript: List[Dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DemoReport:
    """The whole run: steps, totals, and the exit code it earns."""

    steps: List[StepResult]
    seconds: float
    cloud_agents: List[Dict[str, Any]]

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.status == "ok" for s in self.steps)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def totals(self) -> Dict[str, Any]:
        return {
            "messages": sum(s.messages for s in self.steps),
            "hops": sum(s.hops for s in self.steps),
            "bytes": sum(s.bytes for s in self.steps),
            "seconds": round(self.seconds, 3),
            "steps_ok": sum(s.status == "ok" for s in self.steps),
            "steps": len(self.steps),
        }

    def to_dict(self) -> Dict[str, Any]:
        return {
            "ok": self.ok,
            "totals": self.totals(),
            "cloud_agents": self.cloud_agents,
            "steps": [s.to_dict() for s in self.steps],
        }


def _short(text: str, keep: int = 48) -> str:
    return text if len(text) <= keep else f"{text[:keep]}…"


def _abbreviated(value: Any) -> Any:
    """For narration only: long did:peer:2 strings cut to their first 40 characters (the JSON transcript keeps them whole)."""
    if isinstance(value, str):
        return _short(value, 40) if value.startswith("did:peer:2.") else value
    if isinstance(value, list):
        return [_abbreviated(v) for v in value]
    if isinstance(value, dict):
        return {k: _abbreviated(v) for k, v in value.items()}
    return value


def _available(modules: Sequence[str]) -> Optional[str]:
    """The first module that cannot be found, or None."""
    for name in modules:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except ModuleNotFoundError:
            return name
    return None


class Demo:
    """The demo run. Construct, then :meth:`run`.

    Args:
        db_path: the sqlite inbox file of the cloud agents (default: a
            temporary file, removed afterwards).
        out: where to narrate (default ``sys.stdout``).
        as_json: print only a JSON transcript at the end.
        step_by_step: wait for Enter between steps.
        pause: what waits (default: read a line from standard input).
        rng: randomness for every key, id, route and envelope (default: OS).
        backend: crypto backend.
        timeout: seconds per HTTP hop and per inbox wait.
        steps: the step numbers to run (default all); others are not reported.
    """

    def __init__(
        self,
        *,
        db_path: Optional[str] = None,
        out: Optional[TextIO] = None,
        as_json: bool = False,
        step_by_step: bool = False,
        pause: Optional[Callable[[], None]] = None,
        rng: Optional[crypto.Rng] = None,
        backend: Optional[crypto.Backend] = None,
        timeout: float = DEFAULT_TIMEOUT,
        steps: Optional[Sequence[int]] = None,
    ) -> None:
        self.db_path = db_path
        self.out = out if out is not None else sys.stdout
        self.as_json = as_json
        self.step_by_step = step_by_step
        self.pause = pause if pause is not None else self._read_enter
        self.rng = rng
        self.backend = backend
        self.timeout = timeout
        known = {n for n, _, _ in STEPS}
        self.selected = tuple(steps) if steps is not None else tuple(sorted(known))
        if not set(self.selected) <= known:
            raise UsageError(f"steps must be among {sorted(known)}")
        self.requirements: Dict[int, Tuple[str, ...]] = {n: req for n, _, req in STEPS}
        self.ctx: Dict[str, Any] = {}
        self.agents: List[CloudAgent] = []

    # -- narration -----------------------------------------------------------

    def say(self, text: str = "") -> None:
        if not self.as_json:
            print(text, file=self.out)

    def _read_enter(self) -> None:
        sys.stderr.write("-- press Enter for the next step --")
        sys.stderr.flush()
        sys.stdin.readline()

    def _check(self, step: StepResult, condition: bool, what: str) -> None:
        if not condition:
            raise DemoCheckFailed(f"check failed: {what}")
        step.checks.append(what)
        self.say(f"   ✓ {what}")

    def _route_text(self, sender: str, routed: Routed, recipient: str) -> str:
        """``Bob ─13096 B→ CloudAgentC ─8594 B→ ... ─2654 B→ Alice's inbox at CloudAgentA``: each hop with the bytes posted to it."""
        holder = self._holder_of(routed.hops[-1])
        stops = [*routed.labels, f"{recipient}'s inbox at {holder}"]
        return sender + "".join(f" ─{size} B→ {stop}" for size, stop in zip(routed.layer_sizes, stops))

    def _holder_of(self, url: str) -> str:
        for agent in self.agents:
            if url.startswith(agent.url + "/"):
                return agent.label
        return url

    def _marks(self) -> Dict[str, int]:
        """How many forwards each cloud agent had done so far."""
        return {agent.label: len(agent.stats.hops) for agent in self.agents}

    def _observed(self, marks: Dict[str, int], routed: Routed, protocol: str) -> List[str]:
        """The route as the cloud agents themselves saw it, checked against what the sender planned.

        Each agent on the route must have opened exactly one forward of
        ``protocol`` since ``marks`` and posted its content to the next hop
        the sender chose; no other agent may have forwarded anything.

        Raises:
            DemoCheckFailed: the agents' own records disagree with the plan.
        """
        by_label = {agent.label: agent for agent in self.agents}
        lines = []
        for index, label in enumerate(routed.labels):
            new = by_label[label].stats.hops[marks[label] :]
            expected = f"{protocol} -> {routed.hops[index + 1]}"
            if new != [expected]:
                raise DemoCheckFailed(f"{label} did not forward as planned: expected [{expected!r}], saw {new!r}")
            target = routed.hops[index + 1]
            where = f"the response endpoint of {self._holder_of(target)} (stored for the consumer)" if "/response/" in target else self._holder_of(target)
            lines.append(f"{label} opened a {protocol} forward and posted its content to {where}")
        idle = [a.label for a in self.agents if a.label not in routed.labels and len(a.stats.hops) != marks[a.label]]
        if idle:
            raise DemoCheckFailed(f"cloud agents off the route forwarded something: {idle}")
        return lines

    def _account(
        self, step: StepResult, routed: Routed, sender: str, recipient: str, kind: str, view: Dict[str, Any], observed: Sequence[str] = ()
    ) -> None:
        step.messages += 1
        step.hops += len(routed.hops)
        step.bytes += sum(routed.layer_sizes)
        route = self._route_text(sender, routed, recipient)
        step.transcript.append(
            {
                "from": sender,
                "to": recipient,
                "kind": kind,
                "route": [sender, *routed.labels, self._holder_of(routed.hops[-1])],
                "hops": list(routed.hops),
                "layer_bytes": list(routed.layer_sizes),
                "observed_by_cloud_agents": list(observed),
                "message": view,
            }
        )
        self.say(f"   {sender} → {recipient}: {kind}")
        self.say(f"     route: {route}")
        for line in observed:
            self.say(f"       · {line}")
        for line in json.dumps(_abbreviated(view), indent=2, ensure_ascii=False).splitlines():
            self.say(f"     {line}")

    def _receive_one(self, edge: EdgeAgent) -> Received:
        got = edge.wait_for(1, timeout=self.timeout)
        if len(got) != 1:
            raise DemoCheckFailed(f"{edge.label} expected one message in the inbox, got {len(got)}")
        return got[0]

    # -- the run --------------------------------------------------------------

    def run(self) -> DemoReport:
        """Start the agents, run the steps, stop everything; return the report."""
        started = time.monotonic()
        tmpdir: Optional[tempfile.TemporaryDirectory] = None  # type: ignore[type-arg]
        db_path = self.db_path
        if db_path is None:
            tmpdir = tempfile.TemporaryDirectory(prefix="refdidcomm-demo-")
            db_path = os.path.join(tmpdir.name, "inbox.sqlite")
        results: List[StepResult] = []
        described: List[Dict[str, Any]] = []
        try:
            for name in ("CloudAgentA", "CloudAgentB", "CloudAgentC"):
                self.agents.append(CloudAgent(name, db_path=db_path, rng=self.rng, backend=self.backend, timeout=self.timeout).start())
            alice = EdgeAgent("Alice", rng=self.rng, backend=self.backend, timeout=self.timeout)
            bob = EdgeAgent("Bob", rng=self.rng, backend=self.backend, timeout=self.timeout)
            for edge in (alice, bob):
                for agent in self.agents:
                    edge.register(agent.registration_url)
            self.ctx.update(alice=alice, bob=bob)
            described = [{"label": a.label, "url": a.url, "verkey": a.verkey, "did": a.v2.did if a.v2 else None} for a in self.agents]
            self.say("refdidcomm demo: three RFC 0346 cloud agents and two edge agents on 127.0.0.1")
            for a in self.agents:
                self.say(f"   {a.label}: {a.url}  (verkey {a.verkey})")
            self.say(f"   inbox database: {db_path}")
            self.say(f"   Alice and Bob registered with all three (records tagged 'cloud-agent')")
            self.say(f"   Alice's service endpoint: {alice.advertise()}")
            self.say(f"   Bob's service endpoint:   {bob.advertise()}")
            for index, (number, title, _) in enumerate(s for s in STEPS if s[0] in self.selected):
                if index and self.step_by_step:
                    self.pause()
                results.append(self._run_step(number, title, results))
        finally:
            for agent in self.agents:
                agent.stop()
            if tmpdir is not None:
                tmpdir.cleanup()
        report = DemoReport(results, time.monotonic() - started, described)
        self._summary(report)
        return report

    def _run_step(self, number: int, title: str, done: List[StepResult]) -> StepResult:
        step = StepResult(number, title)
        self.say()
        self.say(f"== Step {number}: {title} ==")
        missing = _available(self.requirements[number])
        if missing is not None:
            step.status, step.detail = "unavailable", f"the library layer {missing} is not available"
            self.say(f"   UNAVAILABLE: {step.detail}")
            return step
        status = {s.number: s.status for s in done}
        blocked = [d for d in _DEPENDS.get(number, ()) if status.get(d) != "ok"]
        if blocked:
            step.status, step.detail = "skipped", f"builds on step {', '.join(map(str, blocked))}, which did not succeed"
            self.say(f"   SKIPPED: {step.detail}")
            return step
        started = time.monotonic()
        try:
            getattr(self, f"_step{number}")(step)
        except RefDIDCommError as exc:
            step.status, step.detail = "failed", f"{type(exc).__name__}: {exc}"
            self.say(f"   FAILED: {step.detail}")
        step.seconds = round(time.monotonic() - started, 3)
        return step

    def _summary(self, report: DemoReport) -> None:
        if self.as_json:
            print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), file=self.out)
            return
        totals = report.totals()
        self.say()
        self.say("== Summary ==")
        for s in report.steps:
            mark = "ok" if s.status == "ok" else s.status.upper()
            extra = f" — {s.detail}" if s.detail else ""
            self.say(f"   step {s.number}: {mark:11} {s.messages:2} messages, {s.hops:2} hops, {s.bytes:6} bytes, {s.seconds:.3f} s{extra}")
        self.say(
            f"   total: {totals['messages']} messages, {totals['hops']} hops, {totals['bytes']} bytes, "
            f"{totals['seconds']:.3f} s; {totals['steps_ok']}/{totals['steps']} steps checked out"
        )
        self.say("   RESULT: " + ("every step checked out" if report.ok else "NOT every step checked out (exit code 1)"))

    # -- helpers for DIDComm v2 -------------------------------------------------

    def _new_id(self) -> str:
        return new_message_id(self.rng)

    def _send_v2(
        self,
        step: StepResult,
        sender: EdgeAgent,
        recipient: EdgeAgent,
        message: Any,
        to_did: str,
        *,
        frm: Optional[str],
        kind: str,
    ) -> Any:
        """Pack (authcrypt from ``frm``, else anoncrypt), route, fetch, unpack, ack; return the UnpackResult."""
        from .. import v2

        packed = v2.pack_encrypted(
            message, to_did, frm=frm, secrets=sender.v2_secrets, resolver=sender.resolver, forward=False, rng=self.rng, backend=self.backend
        )
        marks = self._marks()
        routed = sender.send_v2(packed.packed, to_did)
        observed = self._observed(marks, routed, "routing/2.0")
        item = self._receive_one(recipient)
        result = recipient.unpack_v2(item.message)
        recipient.ack([item])
        view = result.message.to_dict()
        if isinstance(view.get("from_prior"), str):
            view["from_prior"] = _short(view["from_prior"], 60)
        self._account(step, routed, sender.label, recipient.label, kind, view, observed)
        return result

    # -- the steps ---------------------------------------------------------------

    def _step1(self, step: StepResult) -> None:
        from .. import oob, qr

        alice: EdgeAgent = self.ctx["alice"]
        identity = alice.new_did()
        invitation = oob.make_invitation_v2(
            from_did=identity.did, goal_code="connect", goal="Chat with Alice", accept=["didcomm/v2"], rng=self.rng
        )
        url = oob.encode_url(invitation, base=INVITATION_BASE)
        code = qr.encode(url, ecc="L")
        self.say(f"   Alice's DID: {_short(identity.did, 72)}")
        self.say(f"   invitation URL ({len(url)} characters): {_short(url, 100)}")
        self.say(f"   QR code: version {code.version}, {code.size}x{code.size} modules, level {code.ecc}")
        if not self.as_json:
            self.say(code.to_terminal(quiet=2))
        step.transcript.append({"from": "Alice", "to": "Bob", "kind": "out-of-band/2.0 invitation (URL, QR)", "url": url, "message": invitation, "qr": {"version": code.version, "size": code.size}})
        # Bob scans it.
        decoded = oob.decode(url)
        self._check(step, decoded.kind == "out-of-band/2", "Bob decodes a DIDComm v2 out-of-band invitation")
        self._check(step, decoded.invitation.id == invitation["id"], "the invitation id survives the URL")
        self._check(step, decoded.tolerated == (), "the URL is in the standard form (nothing tolerated)")
        endpoints = oob.service_endpoints(decoded, resolve=alice.resolver)
        self._check(
            step,
            bool(endpoints) and endpoints[0].uri == alice.advertise(),
            "Alice's did:peer:2 resolves to her service: her cloud agent's response endpoint + consumer id",
        )
        self.ctx.update(invitation=invitation, alice_did=identity.did)

    def _step2(self, step: StepResult) -> None:
        from .. import v2

        alice: EdgeAgent = self.ctx["alice"]
        bob: EdgeAgent = self.ctx["bob"]
        alice_did: str = self.ctx["alice_did"]
        invitation = self.ctx["invitation"]
        bob_did = bob.new_did().did
        message = v2.Message(
            id=self._new_id(),
            type=BASICMESSAGE_V2,
            from_=bob_did,
            to=[alice_did],
            pthid=invitation["id"],
            created_time=int(time.time()),
            body={"content": "Hello Alice, Bob here. Got your invitation."},
        )
        result = self._send_v2(step, bob, alice, message, alice_did, frm=bob_did, kind="basicmessage/2.0 (authcrypt)")
        meta = result.metadata
        self._check(step, meta.encrypted and meta.authenticated, "Alice's unpack: encrypted and sender-authenticated (authcrypt)")
        self._check(step, (meta.encrypted_from or "").split("#")[0] == bob_did == result.message.from_, "the sender key belongs to Bob's new DID, the message's from")
        self._check(step, result.message.pthid == invitation["id"], "pthid is the invitation id")
        self._check(step, result.message.body == message.body, "the body arrived intact")
        self.ctx.update(bob_did=bob_did, hello_id=message.id)

    def _step3(self, step: StepResult) -> None:
        from .. import v2

        alice: EdgeAgent = self.ctx["alice"]
        bob: EdgeAgent = self.ctx["bob"]
        old_did, bob_did = self.ctx["alice_did"], self.ctx["bob_did"]
        new_did = alice.new_did().did
        jwt = v2.create_from_prior(old_did, new_did, iat=int(time.time()), secrets=alice.v2_secrets, resolver=alice.resolver, backend=self.backend)
        message = v2.Message(
            id=self._new_id(),
            type=BASICMESSAGE_V2,
            from_=new_did,
            to=[bob_did],
            thid=self.ctx["hello_id"],
            from_prior=jwt,
            created_time=int(time.time()),
            body={"content": "Hi Bob. I have moved to a new DID."},
        )
        result = self._send_v2(step, alice, bob, message, bob_did, frm=new_did, kind="basicmessage/2.0 (authcrypt, from_prior)")
        claims = result.metadata.from_prior or {}
        self._check(step, claims.get("iss") == old_did and claims.get("sub") == new_did, "from_prior verified: iss = Alice's old DID, sub = her new DID")
        self._check(step, (result.metadata.from_prior_issuer_kid or "").startswith(old_did + "#"), "signed by an authentication key of the old DID")
        self._check(step, result.message.from_ == new_did, "the message comes from the new DID")
        # Bob accepts: from now on Alice is new_did.
        reply = v2.Message(
            id=self._new_id(),
            type=BASICMESSAGE_V2,
            from_=bob_did,
            to=[new_did],
            thid=self.ctx["hello_id"],
            created_time=int(time.time()),
            body={"content": "Noted, I will write to your new DID."},
        )
        answer = self._send_v2(step, bob, alice, reply, new_did, frm=bob_did, kind="basicmessage/2.0 (authcrypt)")
        self._check(step, answer.metadata.encrypted_to is not None and all(k.startswith(new_did + "#") for k in answer.metadata.encrypted_to), "Bob now encrypts to Alice's new DID")
        self.ctx.update(alice_did=new_did, old_alice_did=old_did)

    def _step4(self, step: StepResult) -> None:
        from .. import coprotocol

        alice: EdgeAgent = self.ctx["alice"]
        bob: EdgeAgent = self.ctx["bob"]
        alice_did, bob_did = self.ctx["alice_did"], self.ctx["bob_did"]
        caller = coprotocol.Caller(shape="v2")
        called = coprotocol.Called(coprotocol.payment_registry(), shape="v2")
        parties = {"Alice": (alice, alice_did, caller), "Bob": (bob, bob_did, called)}

        def exchange(sender: str, recipient: str, message: Dict[str, Any]) -> Any:
            edge, frm, _ = parties[sender]
            other, to_did, machine = parties[recipient]
            kind = message["type"].rsplit("/", 1)[-1]
            result = self._send_v2(step, edge, other, dict(message, **{"from": frm, "to": [to_did]}), to_did, frm=frm, kind=f"coprotocol/0.5 {kind}")
            reply = machine.receive(result.message.to_dict())
            rejected = [e for e in reply.events if type(e).__name__ in ("Rejected", "ProblemReceived", "NoMatch")]
            if rejected:
                raise DemoCheckFailed(f"{recipient} rejected {kind}: {rejected[0]}")
            return reply

        prefer = [coprotocol.Prefer("success_ratio", "d"), coprotocol.Prefer("last_run_date", "d")]
        bind = caller.bind(
            goal_code="aries.buy.make-payment",
            cast=[coprotocol.Cast("payee", None), coprotocol.Cast("payer", alice_did)],
            interface=coprotocol.payment_interface(),
            piuri_pat="*/pay*",
            prefer=prefer,
        )
        binding = bind.messages[0]["id"]
        attach = exchange("Alice", "Bob", bind.messages[0])
        attached = exchange("Bob", "Alice", attach.messages[0])
        self._check(step, any(type(e).__name__ == "Attached" for e in attached.events), "bind → attach: Alice's caller is attached")
        piuri = next(e.piuri for e in attached.events if type(e).__name__ == "Attached")
        self._check(step, piuri == "https://didcomm.org/pay-with-venmo/1.3", f"Bob's registry chose {piuri} by the prefer rules")
        got = exchange("Alice", "Bob", caller.send_input(binding, "invoke", {"amount": 1.23, "currency": "INR", "bill_of_sale": "one cup of masala chai"}).messages[0])
        self._check(step, any(type(e).__name__ == "InputReceived" for e in got.events), "input 'invoke' reached Bob's coprotocol")
        called.set_state(binding, "requested")
        called.set_state(binding, "waiting-for-commit")
        out = exchange("Bob", "Alice", called.emit_output(binding, "preauth", {"code": "6a884d11-13149b3c"}).messages[0])
        self._check(step, any(type(e).__name__ == "OutputReceived" for e in out.events), "output 'preauth' reached Alice")
        detached = exchange("Alice", "Bob", caller.detach(binding).messages[0])
        self._check(step, any(type(e).__name__ == "Detached" for e in detached.events), "detach acknowledged by Bob's side")
        self._check(step, caller.state(binding) == "detached", "Alice's caller state is detached")

    def _step5(self, step: StepResult) -> None:
        from .. import oob, v1
        from .._json import dumps_bytes, loads

        alice: EdgeAgent = self.ctx["alice"]
        bob: EdgeAgent = self.ctx["bob"]
        ping = v1.make_message(PING_V1, {"response_requested": True}, rng=self.rng)
        invitation = oob.make_invitation(
            services=[oob.inline_service(alice.advertise(), [alice.key.did_key])],
            requests=[{"@id": "request-0", "mime-type": "application/json", "data": {"json": ping}}],
            label="Alice",
            accept=["didcomm/aip1", "didcomm/aip2;env=rfc19"],
            rng=self.rng,
        )
        url = oob.encode_url(invitation, base=INVITATION_BASE)
        self.say(f"   Alice's RFC 0434 invitation ({len(url)} characters): {_short(url, 100)}")
        step.transcript.append({"from": "Alice", "to": "Bob", "kind": "out-of-band/1.1 invitation (URL)", "url": url, "message": invitation})
        decoded = oob.decode(url)
        self._check(step, decoded.kind == "out-of-band/1", "Bob decodes an RFC 0434 invitation")
        (endpoint,) = oob.service_endpoints(decoded)
        self._check(step, endpoint.uri == alice.advertise() and not endpoint.routing_keys, "its inline service is Alice's response endpoint, no routing keys (RFC 0346)")
        attached = decoded.invitation.message["requests~attach"][0]["data"]["json"]
        self._check(step, attached["@type"] == PING_V1 and attached["response_requested"] is True, "the invitation carries a trust ping (requests~attach)")
        # Bob answers the ping; ~service (RFC 0056) tells Alice where to reply.
        response = v1.make_message(
            PING_RESPONSE_V1,
            {
                "comment": "pong from Bob",
                "~service": {"recipientKeys": [bob.key.verkey_b58], "routingKeys": [], "serviceEndpoint": bob.advertise()},
            },
            thid=attached["@id"],
            pthid=invitation["@id"],
            rng=self.rng,
        )
        envelope = v1.pack(dumps_bytes(response), [endpoint.recipient_keys[0]], bob.key, backend=self.backend, rng=self.rng)
        marks = self._marks()
        routed = bob.send_v1(envelope, endpoint.uri)
        observed = self._observed(marks, routed, "routing/1.0")
        item = self._receive_one(alice)
        opened = alice.unpack_v1(item.message)
        alice.ack([item])
        got = loads(opened.message)
        self._account(step, routed, "Bob", "Alice", "trust_ping/1.0 ping_response (RFC 0019 authcrypt, routing/1.0)", got, observed)
        self._check(step, opened.sender_verkey == bob.key.verkey_b58, "Alice's unpack: authcrypted by Bob's key")
        self._check(step, got["~thread"] == {"thid": attached["@id"], "pthid": invitation["@id"]}, "thid is the ping, pthid the invitation")
        service = got["~service"]
        self._check(step, service["recipientKeys"] == [opened.sender_verkey], "~service names the key that authcrypted it")
        reply = v1.make_message(BASICMESSAGE_V1, {"content": "Hello Bob, over DIDComm v1.", "sent_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, thid=response["@id"], rng=self.rng)
        envelope = v1.pack(dumps_bytes(reply), service["recipientKeys"], alice.key, backend=self.backend, rng=self.rng)
        marks = self._marks()
        routed = alice.send_v1(envelope, service["serviceEndpoint"])
        observed = self._observed(marks, routed, "routing/1.0")
        item = self._receive_one(bob)
        opened = bob.unpack_v1(item.message)
        bob.ack([item])
        got = loads(opened.message)
        self._account(step, routed, "Alice", "Bob", "basicmessage/1.0 (RFC 0019 authcrypt, routing/1.0)", got, observed)
        self._check(step, opened.sender_verkey == alice.key.verkey_b58 and got["content"] == reply["content"], "Bob's unpack: from Alice's invitation key, content intact")
        self._check(step, all(a.inbox.count() == 0 for a in self.agents), "every inbox is empty after the acknowledgements")

    def _step6(self, step: StepResult) -> None:
        from .. import v2

        alice: EdgeAgent = self.ctx["alice"]
        bob: EdgeAgent = self.ctx["bob"]
        alice_did, bob_did = self.ctx["alice_did"], self.ctx["bob_did"]
        jwt = v2.create_from_prior(alice_did, None, iat=int(time.time()), secrets=alice.v2_secrets, resolver=alice.resolver, backend=self.backend)
        # DIDComm v2 "Ending a Relationship": "Omit 'sub' in the from_prior JWT.
        # Send the message without a from attribute" -- so it is anoncrypted.
        message = v2.Message(
            id=self._new_id(),
            type=BASICMESSAGE_V2,
            to=[bob_did],
            from_prior=jwt,
            created_time=int(time.time()),
            body={"content": "Goodbye, Bob."},
        )
        result = self._send_v2(step, alice, bob, message, bob_did, frm=None, kind="basicmessage/2.0 (anoncrypt, from_prior without sub)")
        claims = result.metadata.from_prior or {}
        self._check(step, result.metadata.encrypted and not result.metadata.authenticated, "anoncrypted: no sender key")
        self._check(step, result.message.from_ is None, "the message has no from")
        self._check(step, claims.get("iss") == alice_did and "sub" not in claims, "from_prior verified: iss = Alice's DID, no sub: the relationship ends")
        self._check(step, (result.metadata.from_prior_issuer_kid or "").startswith(alice_did + "#"), "signed by Alice's authentication key")


def run(
    *,
    db_path: Optional[str] = None,
    as_json: bool = False,
    step_by_step: bool = False,
    out: Optional[TextIO] = None,
    **kw: Any,
) -> int:
    """Run the demo; return its exit code (0 only if every step checked out)."""
    return Demo(db_path=db_path, as_json=as_json, step_by_step=step_by_step, out=out, **kw).run().exit_code
