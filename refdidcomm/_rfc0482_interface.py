"""Coprotocol interface declarations (Aries RFC 0478 §Example), as used by RFC 0482.

RFC 0478 describes a coprotocol by "a _set_ of function-like signatures",
partitioned by role, each at an **interaction point** with the states in
which it may happen::

    goal: aries.buy.make-payment
    payee:
      get:
          - invoke(amount: float, currency: str, bill_of_sale: str) @ null
          - proceed(continue: bool) @ requested:, waiting-for-commit
      give:
          - preauth(code: str) @ waiting-for-commit
          - return(confirmation_code: str) @ finalizing

"The payee role in this coprotocol gets input at two interaction points ...
Implementations of this coprotocol interface also give output at two
interaction points". RFC 0482's ``input`` and ``output`` messages are
delivered to these points ("one matching the preauth interaction point
declared in the sample coprotocol definition in RFC 0478").

This module is named for RFC 0482 because it exists to serve that protocol;
the notation it reads is RFC 0478's. Everything here is the caller's own
configuration, so mistakes raise :class:`~refdidcomm.errors.UsageError`; data
received from a peer is checked with :func:`check_data`, which raises what the
caller asks for.

Choices (see ``docs/coprotocol-decisions.md``):

* D11. The notation is only shown by one example, never specified. We read
  exactly that shape: ``goal:`` first; role blocks; ``get:``/``give:``
  sections; items ``- name(param: type, ...) @ state, state``. Types are
  ``str``, ``float``, ``int``, ``bool`` (the example uses three of them).
  ``float`` accepts any JSON number, ``int`` only integers.
* D12. The example writes ``@ requested:, waiting-for-commit`` -- a stray
  colon. State names are compared "case-insensitively and ignoring
  punctuation" (RFC 0003 template.md), so ``requested:`` is ``requested``;
  we keep the text as written and compare folded names.
* D13. ``bill_of_sale: str`` is declared a string, but RFC 0482's input
  example passes an object. We follow the declaration: the data must match
  the declared types.
* D14. Every declared parameter is required and no others are allowed: the
  notation has no optional parameters.
* D15. Neither RFC says when a coprotocol is *done* (both name a ``done``
  state; no message announces it). We let the declaration mark ``give``
  points as final (``final=("return",)`` for the example, whose ``return``
  is its last output); an output at a final point ends the binding on both
  sides.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from ._rfc0482 import normalize_name
from .errors import UsageError

__all__ = ["TYPES", "Param", "InteractionPoint", "RoleInterface", "Interface", "parse_interface", "check_data"]

TYPES = ("str", "float", "int", "bool")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ROLE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_STATE = re.compile(r"[A-Za-z][A-Za-z0-9_ .:-]*")
_GOAL_LINE = re.compile(r"goal:\s*(?P<goal>\S+)\s*")
_ROLE_LINE = re.compile(r"(?P<role>[^\s:]+):\s*")
_SECTION_LINE = re.compile(r"\s+(?P<section>get|give):\s*")
_ITEM_LINE = re.compile(r"\s+-\s+(?P<name>[^\s(]+)\((?P<params>[^)]*)\)\s*@\s*(?P<states>.+?)\s*")


@dataclass(frozen=True)
class Param:
    """One named value at an interaction point: ``amount: float``."""

    name: str
    type: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise UsageError(f"bad parameter name {self.name!r}")
        if self.type not in TYPES:
            raise UsageError(f"parameter {self.name!r}: type must be one of {', '.join(TYPES)}, not {self.type!r}")


@dataclass(frozen=True)
class InteractionPoint:
    """``invoke(amount: float, ...) @ null``: a name, its values, and the states it is open in.

    Attributes:
        name: the interaction point (``interaction_point`` in messages).
        params: the named values, all required (D14).
        states: the coprotocol states in which the point is available; ``null``
            means "at launch" (RFC 0478: "Invoke happens when state is null").
        final: for ``give`` points: the coprotocol is done after it (D15).
    """

    name: str
    params: Tuple[Param, ...]
    states: Tuple[str, ...]
    final: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise UsageError(f"bad interaction point name {self.name!r}")
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "states", tuple(self.states))
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise UsageError(f"{self.name}: duplicate parameter names")
        if not self.states:
            raise UsageError(f"{self.name}: at least one state is needed after '@'")
        for state in self.states:
            if not isinstance(state, str) or not _STATE.fullmatch(state) or not normalize_name(state):
                raise UsageError(f"{self.name}: bad state name {state!r}")

    def available_in(self, state: str) -> bool:
        """True if the point is open in coprotocol ``state`` (names folded, D12)."""
        folded = normalize_name(state)
        return any(normalize_name(s) == folded for s in self.states)


@dataclass(frozen=True)
class RoleInterface:
    """The part of an interface for one role: what it ``get``s and what it ``give``s."""

    role: str
    get: Tuple[InteractionPoint, ...]
    give: Tuple[InteractionPoint, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.role, str) or not _ROLE.fullmatch(self.role):
            raise UsageError(f"bad role name {self.role!r}")
        object.__setattr__(self, "get", tuple(self.get))
        object.__setattr__(self, "give", tuple(self.give))
        for section, points in (("get", self.get), ("give", self.give)):
            names = [p.name for p in points]
            if len(set(names)) != len(names):
                raise UsageError(f"{self.role}.{section}: duplicate interaction points")
        for point in self.get:
            if point.final:
                raise UsageError(f"{self.role}.get.{point.name}: only give points can be final")

    def point(self, direction: str, name: str) -> Optional[InteractionPoint]:
        """The ``get`` or ``give`` point named ``name`` (exact name), or ``None``."""
        points = self.get if direction == "get" else self.give
        for point in points:
            if point.name == name:
                return point
        return None


@dataclass(frozen=True)
class Interface:
    """A coprotocol interface: a goal code and role partitions.

    RFC 0478: "a coprotocol interface for protocols that facilitate the
    aries.buy.make-payment goal code. The payee role in this coprotocol gets
    input at ..."
    """

    goal: str
    roles: Tuple[RoleInterface, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.goal, str) or not self.goal or any(c.isspace() for c in self.goal):
            raise UsageError("goal must be a non-empty goal code")
        object.__setattr__(self, "roles", tuple(self.roles))
        if not self.roles:
            raise UsageError("an interface needs at least one role")
        folded = [normalize_name(r.role) for r in self.roles]
        if len(set(folded)) != len(folded):
            raise UsageError("duplicate roles in the interface")

    def role(self, name: str) -> Optional[RoleInterface]:
        """The partition for role ``name`` (compared folded, RFC 0003), or ``None``."""
        folded = normalize_name(name)
        for role in self.roles:
            if normalize_name(role.role) == folded:
                return role
        return None


def _parse_params(text: str, where: str) -> Tuple[Param, ...]:
    text = text.strip()
    if not text:
        return ()
    params = []
    for part in text.split(","):
        name, sep, typ = part.partition(":")
        if not sep:
            raise UsageError(f"{where}: parameter {part.strip()!r} needs 'name: type'")
        params.append(Param(name.strip(), typ.strip()))
    return tuple(params)


def parse_interface(text: str, *, final: Iterable[str] = ()) -> Interface:
    """Read an interface written in RFC 0478's notation.

    Args:
        text: the declaration (blank lines ignored; indentation marks
            sections and items, as in the RFC's example).
        final: names of ``give`` points after which the coprotocol is done
            (D15); each must be declared.

    Returns:
        The :class:`Interface`.

    Raises:
        UsageError: a line that is not part of the notation (with its number),
            a duplicate, an unknown type, or an unknown ``final`` name.

    Spec: RFC 0478 §Example.
    """
    if not isinstance(text, str):
        raise UsageError("the interface text must be a str")
    final_names = set(final)
    goal: Optional[str] = None
    roles: List[Tuple[str, Dict[str, List[InteractionPoint]]]] = []
    section: Optional[str] = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        if goal is None:
            m = _GOAL_LINE.fullmatch(line)
            if m is None:
                raise UsageError(f"{where}: the declaration starts with 'goal: <goal code>'")
            goal = m["goal"]
            continue
        m = _ROLE_LINE.fullmatch(line)
        if m is not None:
            roles.append((m["role"], {"get": [], "give": []}))
            section = None
            continue
        m = _SECTION_LINE.fullmatch(line)
        if m is not None:
            if not roles:
                raise UsageError(f"{where}: '{m['section']}:' outside a role")
            section = m["section"]
            continue
        m = _ITEM_LINE.fullmatch(line)
        if m is not None:
            if section is None:
                raise UsageError(f"{where}: an interaction point outside 'get:'/'give:'")
            states = tuple(s.strip() for s in m["states"].split(","))
            if any(not s for s in states):
                raise UsageError(f"{where}: empty state name")
            point = InteractionPoint(
                m["name"],
                _parse_params(m["params"], where),
                states,
                final=section == "give" and m["name"] in final_names,
            )
            roles[-1][1][section].append(point)
            continue
        raise UsageError(f"{where}: not part of the RFC 0478 notation: {line.strip()!r}")
    if goal is None:
        raise UsageError("empty interface declaration")
    interface = Interface(goal, tuple(RoleInterface(name, tuple(p["get"]), tuple(p["give"])) for name, p in roles))
    declared = {p.name for r in interface.roles for p in r.give}
    unknown = final_names - declared
    if unknown:
        raise UsageError(f"final names no declared give point: {', '.join(sorted(unknown))}")
    return interface


def _type_ok(value: Any, typ: str) -> bool:
    if typ == "str":
        return isinstance(value, str)
    if typ == "bool":
        return isinstance(value, bool)
    if typ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    # "float": any JSON number (JSON has one number type; 1 and 1.0 are the same number).
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        # JSON numbers have no size limit (RFC 8259 §6), but a float parameter
        # holds an IEEE 754 double: an integer too large for one (e.g. 401
        # digits) is a type mismatch, not an OverflowError.
        try:
            value = float(value)
        except OverflowError:
            return False
    return math.isfinite(value)


def check_data(point: InteractionPoint, data: Mapping[str, Any], error: Callable[[str], Exception]) -> None:
    """Check ``data`` against the point's parameters (D13, D14).

    Args:
        point: the declared interaction point.
        data: the named values of an input or output.
        error: makes the exception to raise from a reason.

    Raises:
        What ``error`` returns: a missing, extra or mistyped value.
    """
    declared = {p.name: p.type for p in point.params}
    missing = [name for name in declared if name not in data]
    if missing:
        raise error(f"missing {', '.join(missing)}")
    extra = [name for name in data if name not in declared]
    if extra:
        raise error(f"undeclared {', '.join(sorted(extra))}")
    for name, typ in declared.items():
        if not _type_ok(data[name], typ):
            raise error(f"{name} must be {typ}")
