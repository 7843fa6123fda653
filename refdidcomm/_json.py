"""Strict JSON in and out, for DIDComm messages, JOSE headers and JWK thumbprints.

Reading (:func:`loads`) is strict where RFC 8259 leaves interoperability to
chance, and every failure is a :class:`~refdidcomm.errors.MalformedMessage`
naming the field -- never ``json.JSONDecodeError``, ``UnicodeDecodeError`` or
``RecursionError``:

* the bytes must be UTF-8 (RFC 8259 §8.1 "MUST be encoded using UTF-8"); a
  byte order mark is rejected (§8.1 allows ignoring it; we do not need to);
* object member names must be unique. RFC 8259 §4 only says "SHOULD be
  unique"; RFC 7515 §4 says JWS parsers "MUST either reject JWSs with
  duplicate Header Parameter names or use a JSON parser that returns only the
  lexically last duplicate member name" -- we reject, everywhere, so a
  header or message never means two things to two parsers;
* ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259 §6: "Numeric
  values that cannot be represented in the grammar below (such as Infinity
  and NaN) are not permitted"), nor is a number that overflows a double to
  infinity (§6 lets implementations limit the range);
* strings must not contain unpaired surrogates (RFC 8259 §8.2: their
  behavior is "unpredictable"; they cannot be re-encoded as UTF-8);
* integers longer than Python's digit limit (4300 digits) and nesting
  deeper than the interpreter's recursion limit are rejected as such.

Writing (:func:`dumps`, :func:`dumps_bytes`, :func:`canonical_dumps`) refuses
what would not read back the same: non-finite floats, non-string member
names (Python would turn ``{1: "a", "1": "b"}`` into duplicate names) and
unpaired surrogates raise :class:`~refdidcomm.errors.UsageError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Tuple, Union

from .errors import MalformedMessage, UsageError

__all__ = ["loads", "dumps", "dumps_bytes", "canonical_dumps", "deeper_than", "MAX_DEPTH"]

#: The deepest nesting of arrays and objects :func:`loads` accepts. RFC 8259
#: §9 lets a parser "set limits on the maximum depth of nesting". No DIDComm
#: message, DID document or invitation needs more than a handful of levels;
#: the limit keeps every later recursive walk (copying, re-serialising,
#: abbreviation rules) far from Python's recursion limit.
MAX_DEPTH = 100

_SURROGATE = re.compile("[\ud800-\udfff]")
# A \uD800..\uDFFF escape in the JSON text: only texts with one can produce a
# surrogate (decoded UTF-8 never contains one); whether it is paired is then
# decided on the parsed value, where json has already joined valid pairs.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _unique_members(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    """object_pairs_hook: build the object, rejecting a repeated member name."""
    obj: Dict[str, Any] = dict(pairs)
    if len(obj) == len(pairs):  # no name was repeated (the common case, decided in C)
        return obj
    seen: Dict[str, Any] = {}
    for name, _value in pairs:
        if name in seen:
            raise MalformedMessage(f"duplicate member name {name!r}")
        seen[name] = None
    return obj  # not reached: fewer members than pairs means a repeat


def _reject_constant(literal: str) -> Any:
    """parse_constant: NaN, Infinity and -Infinity are not JSON (RFC 8259 §6)."""
    raise MalformedMessage(f"{literal} is not a JSON number")


def _finite_float(literal: str) -> float:
    """parse_float: a number that overflows a double is out of range (RFC 8259 §6)."""
    value = float(literal)
    if not math.isfinite(value):
        raise MalformedMessage("number out of range")
    return value


def _bounded_int(literal: str) -> int:
    """parse_int: turn Python's digit limit into a MalformedMessage."""
    try:
        return int(literal)
    except ValueError:
        raise MalformedMessage("integer has too many digits") from None


def _may_hold_surrogate(text: str) -> bool:
    """Cheap pre-check: can parsing ``text`` have produced a surrogate at all?"""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return True
    return not text.isascii() and _SURROGATE.search(text) is not None


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` nests arrays/objects (dicts, mappings, lists, tuples) more than ``limit`` deep.

    Iterative, so that it is safe on any input, including objects a caller
    built that never went through :func:`loads`. The one depth walker of the
    package: the DID, OOB and DIDComm v2 layers call it for caller-passed
    objects before their own recursive copies.

    Args:
        value: any Python value.
        limit: the deepest nesting allowed (default :data:`MAX_DEPTH`).
    Returns:
        whether the nesting exceeds ``limit``.
    """
    return _deeper(value, limit, parsed=False)


def _deeper(value: Any, limit: int, *, parsed: bool) -> bool:
    """The walk of :func:`deeper_than`: level by level, keeping only the containers (a
    level's depth is known; strings and numbers, most of a message, are never listed).
    ``parsed``: ``value`` came from :func:`json.loads`, so only dicts and lists nest."""
    fast = _PARSED_CONTAINERS if parsed else _BUILTIN_CONTAINERS
    level = [value] if type(value) in fast or (not parsed and _is_container(value)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: List[Any] = []
        for item in level:
            children = item.values() if type(item) is dict or isinstance(item, Mapping) else item
            below += [c for c in children if type(c) in fast or (not parsed and _is_container(c))]
        level = below
    return False


_BUILTIN_CONTAINERS = frozenset({dict, list, tuple})
_PARSED_CONTAINERS = frozenset({dict, list})
_SCALARS = (str, int, float, type(None))  # bool is an int


def _is_container(value: Any) -> bool:
    """A JSON array or object as Python holds it: dict (or any Mapping), list or tuple."""
    if isinstance(value, (dict, list, tuple)):
        return True
    return not isinstance(value, _SCALARS) and isinstance(value, Mapping)


def _too_deep(text: str, value: Any) -> bool:
    """:func:`deeper_than` for a value just parsed from ``text``.

    A text with at most MAX_DEPTH brackets cannot be deeper, so the walk is
    skipped for ordinary messages.
    """
    return text.count("[") + text.count("{") > MAX_DEPTH and _deeper(value, MAX_DEPTH, parsed=True)


def _has_unpaired_surrogate(value: Any) -> bool:
    """True if any string (member name or value) in ``value`` holds a lone surrogate.

    Iterative, so that deep but legal nesting cannot overflow the stack here.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_members,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
)

#: Above this many characters, :func:`loads` checks depth and surrogates on
#: the parsed value instead of scanning the text first.
_TEXT_SCAN_LIMIT = 16384


def _deep_or_surrogate(value: Any) -> Optional[str]:
    """One iterative walk: the reason :func:`loads` refuses ``value`` (depth, lone surrogate), or None.

    A decoded string can hold a surrogate only if it is not ASCII
    (``str.isascii`` is a constant-time flag test), so only those are searched.
    """
    # Depth is reported before a surrogate, as the short-text path does: a
    # surrogate only sets a flag, and strings are no longer searched after one.
    surrogate = False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.items()
            pairs = True
        elif isinstance(item, list):
            children = item
            pairs = False
        elif isinstance(item, str):
            if not surrogate and not item.isascii() and _SURROGATE.search(item):
                surrogate = True
            continue
        else:
            continue
        if depth > MAX_DEPTH:
            return f"JSON nested deeper than {MAX_DEPTH} levels"
        for child in children:
            if pairs:
                name, child = child
                if not surrogate and not name.isascii() and _SURROGATE.search(name):
                    surrogate = True
            if isinstance(child, (dict, list)) or (isinstance(child, str) and not child.isascii()):
                stack.append((child, depth + 1))
    return "unpaired surrogate in string" if surrogate else None


def loads(data: Union[str, bytes, bytearray, memoryview], *, field: Optional[str] = None) -> Any:
    """Parse one JSON text strictly.

    Args:
        data: the JSON text, as ``str`` or UTF-8 bytes.
        field: the name of the field or segment being parsed (for example
            ``"protected"``), carried by every error.

    Returns:
        The value: ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``
        or ``None``.

    Raises:
        MalformedMessage: invalid UTF-8, invalid JSON (with line and column),
            a duplicate member name, ``NaN``/``Infinity``, an out-of-range
            number, an unpaired surrogate, or nesting deeper than
            :data:`MAX_DEPTH`; ``field`` is
            set on the error.
        UsageError: ``data`` is neither ``str`` nor bytes-like.

    Spec: RFC 8259 §4, §6, §8.1, §8.2; RFC 7515 §4 (duplicate names).
    """
    if isinstance(data, str):
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedMessage(f"invalid UTF-8 at byte {exc.start}", field) from None
    else:
        raise UsageError(f"JSON input must be str or bytes, not {type(data).__name__}")
    if text.startswith("\ufeff"):
        raise MalformedMessage("byte order mark not allowed", field)
    try:
        value = _DECODER.decode(text)  # what json.loads(text, **the hooks) does, with the decoder made once
    except MalformedMessage as exc:
        raise MalformedMessage(exc.reason, field) from None
    except json.JSONDecodeError as exc:
        raise MalformedMessage(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", field
        ) from None
    except RecursionError:
        raise MalformedMessage("JSON nested too deeply", field) from None
    if len(text) <= _TEXT_SCAN_LIMIT:
        # Short texts: scanning the text rules most values out at once.
        if _too_deep(text, value):
            raise MalformedMessage(f"JSON nested deeper than {MAX_DEPTH} levels", field)
        if _may_hold_surrogate(text) and _has_unpaired_surrogate(value):
            raise MalformedMessage("unpaired surrogate in string", field)
        return value
    # Long texts (a large message is mostly one long base64url or body
    # string): one walk over the parsed value costs per node, not per
    # character, where scanning the text would cost per character.
    reason = _deep_or_surrogate(value)
    if reason is not None:
        raise MalformedMessage(reason, field)
    return value


def _check_member_names(obj: Any) -> None:
    """Every member name must be a str (the object is known to be acyclic here)."""
    containers = (dict, list, tuple)
    stack = [obj] if isinstance(obj, containers) else []
    while stack:  # only containers are pushed: strings and numbers need no visit
        item = stack.pop()
        if isinstance(item, dict):
            for name, value in item.items():
                if not isinstance(name, str):
                    raise UsageError(f"JSON member names must be str, not {type(name).__name__}")
                if isinstance(value, containers):
                    stack.append(value)
        else:
            stack.extend(value for value in item if isinstance(value, containers))


# One encoder of each kind, made once (json.dumps with arguments builds a new
# one per call); the standard library shares its default encoder the same way.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_SORTED_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, sort_keys=True)


def _serialize(obj: Any, *, sort_keys: bool) -> Tuple[str, bytes]:
    """Serialize compactly; return the text and its UTF-8 bytes."""
    try:
        text = (_SORTED_ENCODER if sort_keys else _ENCODER).encode(obj)
    except RecursionError:
        raise UsageError("cannot serialize to JSON: nested too deeply") from None
    except (TypeError, ValueError) as exc:
        # TypeError: a value of a type JSON has no form for (or unsortable
        # names); ValueError: NaN/Infinity, or a circular reference.
        raise UsageError(f"cannot serialize to JSON: {exc}") from None
    _check_member_names(obj)
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("cannot serialize to JSON: unpaired surrogate in a string") from None
    return text, encoded


def dumps(obj: Any) -> str:
    """Serialize compactly, as DIDComm messages are usually sent.

    Separators ``","`` and ``":"`` with no whitespace, non-ASCII characters
    written as themselves (``ensure_ascii=False``), member order as given.

    Args:
        obj: a JSON-compatible value (dict with str names, list/tuple, str,
            int, finite float, bool, None).

    Returns:
        The JSON text.

    Raises:
        UsageError: ``obj`` cannot be written as JSON that reads back the same.

    Spec: RFC 8259 §2 (whitespace is optional).
    """
    return _serialize(obj, sort_keys=False)[0]


def dumps_bytes(obj: Any) -> bytes:
    """:func:`dumps`, encoded as UTF-8 (RFC 8259 §8.1).

    Raises:
        UsageError: as :func:`dumps`.
    """
    return _serialize(obj, sort_keys=False)[1]


def canonical_dumps(obj: Any) -> bytes:
    """Serialize for a JWK thumbprint: sorted member names, no whitespace, UTF-8.

    RFC 7638 §3.3: no whitespace or line breaks, members ordered
    lexicographically by the Unicode code points of their names, the UTF-8
    octets of the result are hashed. Python's ``sort_keys`` compares ``str``
    by code point, which is that order.

    This is *not* JCS (RFC 8785), and need not be: JCS sorts member names by
    UTF-16 code units (different from code points only for names mixing
    characters above U+FFFF with ones in U+E000..U+FFFF) and writes numbers
    the ECMAScript way (``1`` where Python writes ``1.0``, for example). A
    thumbprint's required members are all strings (RFC 7638 §3.2), so neither
    difference arises in our use.

    Args:
        obj: a JSON-compatible value, normally a dict of string members.

    Returns:
        The UTF-8 bytes to hash.

    Raises:
        UsageError: as :func:`dumps`.

    Spec: RFC 7638 §3.3.
    """
    return _serialize(obj, sort_keys=True)[1]
