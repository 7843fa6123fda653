"""The called side's registry of coprotocol implementations, and RFC 0482 bind matching.

RFC 0482 §Messages: "When a called agent receives this message, it should
discover what protocol implementations are available that match the
criteria, and sort the candidates by preference. ... Once the candidates are
sorted by preference, the best match should be selected."

The criteria a ``bind`` carries (RFC 0482 §Reference) are the goal code
("I'd like to be bound to a coprotocol that achieves this goal"), the cast
("who plays which roles"), an optional ``piuri_pat`` ("constrains bound
coprotocol to just those that have a PIURI matching this wildcarded
expression") and ``prefer`` ("If multiple matches are found, tells how to sort
them to pick best match", each later entry a "Tie break").

Choices (see ``docs/coprotocol-decisions.md``):

* D10. ``piuri_pat`` wildcards: only ``*``, matching any run of characters
  including ``/`` (the RFC's own ``*/pay*`` must match
  ``https://didcomm.org/pay-with-venmo/1.3``, which needs ``*`` to cross
  slashes); everything else is literal and case-sensitive; the whole PIURI
  must match. Matching is linear-space greedy globbing, not a regex (no
  backtracking blow-up), and a received ``piuri_pat`` longer than
  ``MAX_PIURI_PAT`` (256) characters is malformed.
* D16. Goal codes match exactly (RFC 0519 defines no prefix matching).
* D9/D19. Roles: the cast's recipient role (id ``null``) must be a role the
  implementation's interface declares (it is the role the called side will
  play); every role in the cast must be a role of the protocol. Role names
  compare case-insensitively, ignoring punctuation (RFC 0003 template.md).
* D17. Candidates equal under every ``prefer`` entry keep registration order.
* D18. A candidate without a ``prefer`` attribute sorts after every candidate
  that has it, in either direction. One attribute has one kind of value
  across the registry (bool, number or string); ``*_date`` values are ISO
  dates and ``*_time`` values RFC 0074 times, compared as dates and times.
  ``false`` sorts before ``true`` (the RFC: "false sorts before true").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Tuple

from ._rfc0482 import Bind, normalize_name, parse_piuri, parse_time
from ._rfc0482_interface import Interface, RoleInterface
from .errors import MalformedMessage, UsageError

__all__ = ["Implementation", "Candidate", "Registry", "piuri_matches"]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RESERVED = ("piuri",)


def piuri_matches(pattern: str, piuri: str) -> bool:
    """Does ``piuri`` match the wildcard ``pattern`` (D10)?

    ``*`` matches any run of characters (also ``/`` and none at all); every
    other character matches itself. RFC 0482's example ``*/pay*`` matches
    ``https://didcomm.org/pay-with-venmo/1.3``.

    The match is the greedy two-pointer glob algorithm: runs of ``*``
    collapse to one, and on a mismatch only the most recent ``*`` is
    extended by one character. Its time is O(len(pattern) * len(piuri)) at
    worst, never exponential (a regular expression with one ``.*`` per star
    backtracks exponentially: ``"*" * 10 + "X"`` took minutes). Received
    patterns are also capped at :data:`~refdidcomm._rfc0482.MAX_PIURI_PAT`
    characters by the parser (D10).

    Args:
        pattern: the ``piuri_pat`` of a bind.
        piuri: a PIURI.

    Returns:
        True if the whole PIURI matches.
    """
    p = "".join(ch for i, ch in enumerate(pattern) if not (ch == "*" and i > 0 and pattern[i - 1] == "*"))
    i = j = 0  # next character of piuri / of p
    star = -1  # index in p of the last * seen, or -1
    resume = 0  # where in piuri that * restarts its match
    while i < len(piuri):
        if j < len(p) and p[j] != "*" and p[j] == piuri[i]:
            i, j = i + 1, j + 1
        elif j < len(p) and p[j] == "*":
            star, resume = j, i  # let * match nothing first
            j += 1
        elif star >= 0:
            resume += 1  # let the last * swallow one more character
            i, j = resume, star + 1
        else:
            return False
    return all(ch == "*" for ch in p[j:])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "str"


def _sort_key(name: str, value: Any) -> Any:
    if name.endswith("_time"):
        return parse_time(value, name)
    return value


@dataclass(frozen=True)
class Implementation:
    """One coprotocol implementation the called agent can bind.

    Attributes:
        piuri: its protocol identifier URI (RFC 0003), the ``piuri`` of ``attach``.
        interfaces: the coprotocol interfaces it supports (RFC 0478), one per
            goal code.
        roles: all roles of the protocol (a cast may name roles the called
            side does not play, like the example's ``payer``); by default the
            roles of the interfaces.
        attributes: what a bind may ``prefer`` by, e.g. ``success_ratio``
            (number), ``last_run_date``/``release_date`` (ISO dates),
            ``running`` (bool). ``piuri`` is also sortable.
    """

    piuri: str
    interfaces: Tuple[Interface, ...]
    roles: Tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parse_piuri(self.piuri, err=lambda reason, fld: UsageError(f"piuri: {reason}"))
        if isinstance(self.interfaces, Interface):
            object.__setattr__(self, "interfaces", (self.interfaces,))
        object.__setattr__(self, "interfaces", tuple(self.interfaces))
        if not self.interfaces or any(not isinstance(i, Interface) for i in self.interfaces):
            raise UsageError("an implementation needs at least one Interface")
        goals = [i.goal for i in self.interfaces]
        if len(set(goals)) != len(goals):
            raise UsageError(f"{self.piuri}: two interfaces for one goal code")
        roles = tuple(self.roles) or tuple(dict.fromkeys(r.role for i in self.interfaces for r in i.roles))
        for role in roles:
            if not isinstance(role, str) or not normalize_name(role):
                raise UsageError(f"bad role name {role!r}")
        declared = {normalize_name(r) for r in roles}
        for interface in self.interfaces:
            for r in interface.roles:
                if normalize_name(r.role) not in declared:
                    raise UsageError(f"{self.piuri}: interface role {r.role!r} is not among roles")
        object.__setattr__(self, "roles", roles)
        attributes = dict(self.attributes)
        for name, value in attributes.items():
            if not isinstance(name, str) or not name or name in _RESERVED:
                raise UsageError(f"bad attribute name {name!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise UsageError(f"attribute {name}: not a finite number")
            if not isinstance(value, (bool, int, float, str)):
                raise UsageError(f"attribute {name}: must be a bool, number or string")
            # RFC 0074: "_date ... ISO 8601 format (yyyy-mm-dd)"; "_time" is an
            # ISO 8601 date and time. Checked so that sorting compares dates.
            if name.endswith("_date") and not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
                raise UsageError(f"attribute {name}: must be an ISO date yyyy-mm-dd (RFC 0074 _date)")
            if name.endswith("_time"):
                try:
                    parse_time(value, name)
                except MalformedMessage as exc:
                    raise UsageError(f"attribute {exc}") from None
        object.__setattr__(self, "attributes", attributes)

    @property
    def goal_codes(self) -> Tuple[str, ...]:
        """The goal codes of the interfaces."""
        return tuple(i.goal for i in self.interfaces)

    def interface_for(self, goal_code: str) -> Optional[Interface]:
        """The interface for ``goal_code`` (exact match, D16), or ``None``."""
        for interface in self.interfaces:
            if interface.goal == goal_code:
                return interface
        return None

    def has_role(self, role: str) -> bool:
        """Is ``role`` a role of this protocol (folded comparison)?"""
        folded = normalize_name(role)
        return any(normalize_name(r) == folded for r in self.roles)

    def attribute(self, name: str) -> Tuple[bool, Any]:
        """``(present, value)`` of a sortable attribute (``piuri`` is built in)."""
        if name == "piuri":
            return True, self.piuri
        if name in self.attributes:
            return True, self.attributes[name]
        return False, None


class Candidate(NamedTuple):
    """A matching implementation, the interface for the bind's goal, and the called side's role in it."""

    implementation: Implementation
    interface: Interface
    role: RoleInterface


def recipient_role(bind: Bind) -> Optional[str]:
    """The role of the cast entry with id ``null``: the one the called side plays."""
    for entry in bind.cast or ():
        if entry.id is None:
            return entry.role
    return None


class Registry:
    """The implementations a called agent offers, in registration order.

    Mutable on purpose: attributes like ``success_ratio`` or ``running``
    change while the agent runs (use :meth:`update`). Entries themselves are
    immutable values.
    """

    def __init__(self, implementations: Iterable[Implementation] = ()) -> None:
        self._entries: List[Implementation] = []
        for implementation in implementations:
            self.add(implementation)

    def __iter__(self) -> Iterator[Implementation]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, piuri: str) -> Optional[Implementation]:
        """The implementation with this PIURI, or ``None``."""
        for entry in self._entries:
            if entry.piuri == piuri:
                return entry
        return None

    def _check_kinds(self, new: Implementation, skip: Optional[str] = None) -> None:
        kinds: Dict[str, Tuple[str, str]] = {}
        for entry in self._entries:
            if entry.piuri == skip:
                continue
            for name, value in entry.attributes.items():
                kinds.setdefault(name, (_kind(value), entry.piuri))
        for name, value in new.attributes.items():
            if name in kinds and kinds[name][0] != _kind(value):
                kind, other = kinds[name]
                raise UsageError(f"attribute {name}: {_kind(value)} here but {kind} for {other} (D18)")

    def add(self, implementation: Implementation) -> None:
        """Register an implementation.

        Raises:
            UsageError: not an :class:`Implementation`, its PIURI is already
                registered, or an attribute's kind differs from other entries'.
        """
        if not isinstance(implementation, Implementation):
            raise UsageError("the registry holds Implementation values")
        if self.get(implementation.piuri) is not None:
            raise UsageError(f"{implementation.piuri} is already registered")
        self._check_kinds(implementation)
        self._entries.append(implementation)

    def update(self, piuri: str, **attributes: Any) -> Implementation:
        """Change some attributes of a registered implementation (position kept).

        Returns:
            The new entry.

        Raises:
            UsageError: unknown PIURI or a bad attribute.
        """
        for index, entry in enumerate(self._entries):
            if entry.piuri == piuri:
                new = Implementation(entry.piuri, entry.interfaces, entry.roles, {**entry.attributes, **attributes})
                self._check_kinds(new, skip=piuri)
                self._entries[index] = new
                return new
        raise UsageError(f"{piuri} is not registered")

    def candidates(self, bind: Bind) -> List[Candidate]:
        """The implementations matching a first bind's criteria, in registration order.

        Raises:
            UsageError: ``bind`` is a re-attach (it has no criteria to match).
        """
        if not isinstance(bind, Bind) or bind.is_rebind or bind.goal_code is None:
            raise UsageError("only a first bind (co_binding_id null) is matched against the registry")
        role_name = recipient_role(bind)
        found = []
        for entry in self._entries:
            interface = entry.interface_for(bind.goal_code)
            if interface is None:
                continue
            if bind.piuri_pat is not None and not piuri_matches(bind.piuri_pat, entry.piuri):
                continue
            role = interface.role(role_name) if role_name is not None else None
            if role is None:
                continue
            if not all(entry.has_role(c.role) for c in bind.cast or ()):
                continue
            found.append(Candidate(entry, interface, role))
        return found

    def rank(self, bind: Bind) -> List[Candidate]:
        """The candidates sorted by the bind's ``prefer`` list, best first.

        The first ``prefer`` entry decides; each later one breaks the ties
        left by those before it (RFC 0482: "Tie break by ..."); remaining
        ties keep registration order (D17). Implemented as stable sorts from
        the last entry to the first.
        """
        ranked = self.candidates(bind)
        for prefer in reversed(bind.prefer or ()):
            present = [c for c in ranked if c.implementation.attribute(prefer.attribute)[0]]
            absent = [c for c in ranked if not c.implementation.attribute(prefer.attribute)[0]]
            present.sort(
                key=lambda c: _sort_key(prefer.attribute, c.implementation.attribute(prefer.attribute)[1]),
                reverse=prefer.direction == "d",
            )
            ranked = present + absent  # D18: without the attribute, last either way
        return ranked

    def select(self, bind: Bind) -> Optional[Candidate]:
        """The best match for a first bind, or ``None`` when nothing matches."""
        ranked = self.rank(bind)
        return ranked[0] if ranked else None
