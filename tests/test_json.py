"""Tests for refdidcomm._json: strict loads, compact and canonical dumps."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm import _json
from refdidcomm._json import canonical_dumps, dumps, dumps_bytes, loads
from refdidcomm.errors import MalformedMessage, UsageError

from conftest import load_vectors

VECTORS = load_vectors("codecs")


def cases(op: str, result: str):
    selected = [c for c in VECTORS["cases"] if c["op"] == op and c["result"] == result]
    assert selected, f"no {result} {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


REASON_PARTS = {
    "DuplicateKey": "duplicate member name",
    "NonFinite": ("is not a JSON number", "number out of range"),
    "LoneSurrogate": "unpaired surrogate",
    "ByteOrderMark": "byte order mark",
    "Syntax": "invalid JSON",
    "InvalidUtf8": "invalid UTF-8",
}


def _input(case):
    return case["json_utf8"] if "json_utf8" in case else bytes.fromhex(case["json"])


# ---------------------------------------------------------------------------
# Vectors


@cases("json_loads", "valid")
def test_loads_valid(case):
    assert loads(case["json_utf8"]) == case["value"]
    assert loads(case["json_utf8"].encode("utf-8")) == case["value"]


@cases("json_loads", "invalid")
def test_loads_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        loads(_input(case), field="body")
    (flag,) = case["flags"]
    parts = REASON_PARTS[flag]
    parts = parts if isinstance(parts, tuple) else (parts,)
    assert any(p in info.value.reason for p in parts), info.value.reason
    assert info.value.field == "body"
    assert str(info.value).startswith("body: ")
    if "json_utf8" in case:  # the same failure whether given as str or UTF-8 bytes
        with pytest.raises(MalformedMessage):
            loads(case["json_utf8"].encode("utf-8", "surrogatepass"))


@cases("canonical_json", "valid")
def test_canonical_json(case):
    out = canonical_dumps(case["value"])
    assert out == case["canonical_utf8"].encode("utf-8")
    digest = hashlib.sha256(out).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == case["sha256_b64u"]


def test_rfc8037_thumbprint_is_order_independent():
    (case,) = [c for c in VECTORS["cases"] if c["op"] == "canonical_json" and "RFC 8037" in c["comment"]]
    jwk = case["value"]
    reordered = {k: jwk[k] for k in reversed(list(jwk))}
    assert list(reordered) != list(jwk)
    assert canonical_dumps(reordered) == canonical_dumps(jwk)
    assert canonical_dumps(jwk) == b'{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'


# ---------------------------------------------------------------------------
# loads


def test_duplicate_keys_rejected_at_any_depth_and_named():
    with pytest.raises(MalformedMessage) as info:
        loads('{"x":[{"kid":"a","kid":"b"}]}', field="protected")
    assert info.value.reason == "duplicate member name 'kid'"
    assert info.value.field == "protected"
    # Same names in sibling objects are fine.
    assert loads('[{"a":1},{"a":2}]') == [{"a": 1}, {"a": 2}]


def test_field_defaults_to_none():
    with pytest.raises(MalformedMessage) as info:
        loads("{")
    assert info.value.field is None
    assert info.value.reason.startswith("invalid JSON: ")
    assert "line 1" in info.value.reason


def test_syntax_error_reports_position():
    with pytest.raises(MalformedMessage) as info:
        loads('{"a":1,\n "b":}')
    assert "line 2" in info.value.reason


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_literals(literal):
    with pytest.raises(MalformedMessage, match="is not a JSON number"):
        loads(f'{{"a":[{literal}]}}')


@pytest.mark.parametrize("text", ["1e400", "-1e400", "[1.7976931348623159e308]"])
def test_float_overflow_is_rejected(text):
    with pytest.raises(MalformedMessage, match="number out of range"):
        loads(text)


def test_large_but_finite_numbers_parse():
    assert loads("1.7976931348623157e308") == 1.7976931348623157e308
    assert loads("1e-400") == 0.0
    assert loads("-0") == 0
    assert loads("1" * 4300) == int("1" * 4300)


def test_integer_with_too_many_digits():
    with pytest.raises(MalformedMessage, match="integer has too many digits") as info:
        loads("[" + "9" * 5000 + "]", field="body")
    assert info.value.field == "body"


def test_deep_nesting_is_malformed_not_recursion_error():
    with pytest.raises(MalformedMessage, match="nested") as info:
        loads("[" * 200000 + "]" * 200000, field="body")
    assert info.value.field == "body"
    # Ordinary depth is fine.
    depth = 50
    assert loads("[" * depth + "]" * depth) is not None


@pytest.mark.parametrize(
    "text",
    ['"\\ud800"', '"\\uDBFF"', '"\\udc00x"', '["ok","\\ud83d"]', '{"a":{"b":["\\ude00"]}}', '"\\ud83d\\u0041"'],
)
def test_unpaired_surrogate_escapes(text):
    with pytest.raises(MalformedMessage, match="unpaired surrogate"):
        loads(text)


def test_unpaired_surrogate_in_python_str_input():
    with pytest.raises(MalformedMessage, match="unpaired surrogate"):
        loads('"\ud800"')


def test_paired_surrogates_and_escaped_backslashes_are_fine():
    assert loads('"\\ud83d\\ude00"') == "\U0001F600"
    # "\\ud800" is a backslash followed by the letters "ud800", not an escape.
    assert loads('"\\\\ud800"') == "\\ud800"


@pytest.mark.parametrize(
    "raw",
    [b'"\xff"', b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'{"a":"\xe2\x82"}', b"\x80", b'"\xf4\x90\x80\x80"'],
)
def test_invalid_utf8(raw):
    with pytest.raises(MalformedMessage, match="invalid UTF-8 at byte") as info:
        loads(raw, field="payload")
    assert info.value.field == "payload"


def test_byte_order_mark_rejected():
    with pytest.raises(MalformedMessage, match="byte order mark"):
        loads(b"\xef\xbb\xbf{}")
    with pytest.raises(MalformedMessage, match="byte order mark"):
        loads("\ufeff{}")


def test_loads_accepts_bytes_like():
    assert loads(bytearray(b'{"a":1}')) == {"a": 1}
    assert loads(memoryview(b'{"a":1}')) == {"a": 1}


@pytest.mark.parametrize("bad", [None, 1, {"a": 1}, ["{}"]])
def test_loads_usage_error(bad):
    with pytest.raises(UsageError):
        loads(bad)


# ---------------------------------------------------------------------------
# dumps


def test_dumps_compact_ordered_unicode():
    obj = {"z": 1, "a": [True, None, 1.5, "\u00e9\U0001F600"], "m": {}}
    assert dumps(obj) == '{"z":1,"a":[true,null,1.5,"\u00e9\U0001F600"],"m":{}}'
    assert dumps_bytes(obj) == dumps(obj).encode("utf-8")
    assert canonical_dumps(obj) == '{"a":[true,null,1.5,"\u00e9\U0001F600"],"m":{},"z":1}'.encode("utf-8")


def test_canonical_sorts_nested_objects_by_code_point():
    obj = {"b": {"y": 1, "x": 2}, "a": [{"d": 1, "c": 2}], "\u00e9": 0, "Z": 0, "\U0001F600": 0, "\uff21": 0}
    out = canonical_dumps(obj).decode("utf-8")
    assert out == '{"Z":0,"a":[{"c":2,"d":1}],"b":{"x":2,"y":1},"\u00e9":0,"\uff21":0,"\U0001F600":0}'


def test_dumps_escapes_only_what_json_requires():
    assert dumps({"k": 'a"b\\c\n\u0001'}) == '{"k":"a\\"b\\\\c\\n\\u0001"}'


USAGE = [
    float("nan"),
    [float("inf")],
    {"a": -math.inf},
    {1: "a"},
    {"a": {None: 1}},
    {("t",): 1},
    {b"k": 1},
    {"a": b"bytes"},
    {"a": {1, 2}},
    object(),
    "\ud800",
    {"\udc00": 1},
    ["ok", "x\ud83d"],
]


@pytest.mark.parametrize("obj", USAGE, ids=range(len(USAGE)))
@pytest.mark.parametrize("func", [dumps, dumps_bytes, canonical_dumps])
def test_dumps_usage_errors(func, obj):
    with pytest.raises(UsageError):
        func(obj)


def test_dumps_rejects_int_and_str_names_that_would_collide():
    with pytest.raises(UsageError, match="member names must be str"):
        dumps({1: "a", "1": "b"})


def test_dumps_circular_and_deep():
    a: list = []
    a.append(a)
    with pytest.raises(UsageError):
        dumps(a)
    deep: list = []
    node = deep
    for _ in range(100000):
        child: list = []
        node.append(child)
        node = child
    with pytest.raises(UsageError, match="nested too deeply"):
        dumps(deep)


def test_all_is_explicit():
    assert sorted(_json.__all__) == ["MAX_DEPTH", "canonical_dumps", "deeper_than", "dumps", "dumps_bytes", "loads"]


# ---------------------------------------------------------------------------
# Property tests

JSON_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | JSON_TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(JSON_TEXT, children, max_size=5),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_round_trip(value):
    assert loads(dumps(value)) == value
    assert loads(dumps_bytes(value)) == value
    assert loads(canonical_dumps(value)) == value
    # Our compact form is exactly the standard library's with those options.
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@given(st.dictionaries(JSON_TEXT, JSON_VALUES, max_size=8), st.randoms())
def test_canonical_ignores_insertion_order(obj, rnd):
    items = list(obj.items())
    rnd.shuffle(items)
    assert canonical_dumps(dict(items)) == canonical_dumps(obj)
    names = list(loads(canonical_dumps(obj)))
    assert names == sorted(names)


@given(st.lists(st.text(max_size=4), min_size=2, max_size=6, unique=True), st.data())
def test_any_duplicate_name_is_rejected(names, data):
    dup = data.draw(st.sampled_from(names))
    members = [json.dumps(n) + ":0" for n in names] + [json.dumps(dup) + ":1"]
    random.Random(len(names)).shuffle(members)
    with pytest.raises(MalformedMessage, match="duplicate member name"):
        loads("{" + ",".join(members) + "}")


JSONISH = st.text(alphabet='{}[]:,"\\ u0123456789abcdefdDnNtrueflsaIiy.eE+-\ud800\udc00\u00e9', max_size=40)


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60), JSONISH))
def test_fuzz_loads_only_raises_malformed(value):
    try:
        loads(value, field="f")
    except MalformedMessage as exc:
        assert exc.field == "f"
    # Anything else escaping (JSONDecodeError, UnicodeError, RecursionError,
    # ValueError, UsageError) fails the test.


@settings(max_examples=200)
@given(JSON_VALUES)
def test_fuzz_loads_of_valid_utf8_json_bytes_round_trips(value):
    raw = json.dumps(value, ensure_ascii=False).encode("utf-8")
    assert loads(raw) == value


@pytest.mark.parametrize("depth", [1, 2, 99, 100])
def test_nesting_up_to_max_depth_is_accepted(depth: int) -> None:
    from refdidcomm._json import MAX_DEPTH, loads

    assert depth <= MAX_DEPTH
    value = loads("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize("text", ["[" * 101 + "]" * 101, '{"a":' * 101 + "1" + "}" * 101, "[" * 600 + "]" * 600])
def test_nesting_beyond_max_depth_is_malformed(text: str) -> None:
    from refdidcomm._json import loads
    from refdidcomm.errors import MalformedMessage

    with pytest.raises(MalformedMessage, match="nested deeper than 100"):
        loads(text, field="protected")


def test_many_brackets_at_low_depth_are_fine() -> None:
    from refdidcomm._json import loads

    assert len(loads("[" + ",".join(["[]"] * 500) + "]")) == 500


def test_deeper_than_walks_caller_built_objects_without_recursion() -> None:
    from types import MappingProxyType

    from refdidcomm._json import MAX_DEPTH, deeper_than

    deep: object = "leaf"
    for i in range(10_000):
        deep = (deep,) if i % 3 == 0 else ({"k": deep} if i % 3 == 1 else MappingProxyType({"m": deep}))
    assert deeper_than(deep)
    shallow: object = 1
    for _ in range(MAX_DEPTH):
        shallow = [shallow]
    assert not deeper_than(shallow)
    assert deeper_than([shallow])
    assert not deeper_than("[[[[", 1)


# -- long texts take the walk over the parsed value (_deep_or_surrogate): same rules, same reasons --

_PAD = "x" * (_json._TEXT_SCAN_LIMIT + 10)


@pytest.mark.parametrize("text, reason", [
    ('{"pad":"%s","v":"\\ud800"}' % _PAD, "unpaired surrogate in string"),
    ('{"pad":"%s","\\udc00":1}' % _PAD, "unpaired surrogate in string"),
    ('["%s",[{"a":["\\udfff x"]}]]' % _PAD, "unpaired surrogate in string"),
    ('["%s",' % _PAD + "[" * _json.MAX_DEPTH + "]" * _json.MAX_DEPTH + "]", f"JSON nested deeper than {_json.MAX_DEPTH} levels"),
    ('{"pad":"%s","d":' % _PAD + '{"a":' * _json.MAX_DEPTH + "1" + "}" * _json.MAX_DEPTH + "}", f"JSON nested deeper than {_json.MAX_DEPTH} levels"),
])
def test_long_texts_are_refused_for_the_same_reasons(text, reason):
    assert len(text) > _json._TEXT_SCAN_LIMIT
    with pytest.raises(MalformedMessage) as err:
        _json.loads(text, field="f")
    assert err.value.reason == reason and err.value.field == "f"
    short = text.replace(_PAD, "x")
    with pytest.raises(MalformedMessage) as err:
        _json.loads(short)
    assert err.value.reason == reason


def test_long_texts_accept_what_short_texts_accept():
    nested = "[" * (_json.MAX_DEPTH - 1) + "]" * (_json.MAX_DEPTH - 1)
    for body in ('{"pad":"%s","v":"\\ud83d\\ude00 \u00e9","n":%s}', '["%s",%s]'):
        text = body % (_PAD, nested)
        assert _json.loads(text) == json.loads(text)
        assert _json.deeper_than(_json.loads(text)) is False


def test_long_texts_report_depth_before_a_surrogate_as_short_texts_do():
    deep = "[" * 101 + "]" * 101
    for text in ('{"\\ud800":1,"b":%s,"pad":"%s"}' % (deep, _PAD), '{"a":"\\udc00","b":%s,"pad":"%s"}' % (deep, _PAD)):
        for candidate in (text, text.replace(_PAD, "x")):
            with pytest.raises(MalformedMessage) as err:
                _json.loads(candidate)
            assert err.value.reason == f"JSON nested deeper than {_json.MAX_DEPTH} levels"


def _reference_depth(value) -> int:
    """Nesting depth by the definition (recursive; test inputs are shallow)."""
    from collections.abc import Mapping as AbcMapping

    if isinstance(value, AbcMapping):
        return 1 + max((_reference_depth(v) for v in value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return 1 + max((_reference_depth(v) for v in value), default=0)
    return 0


_NESTED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    | st.dictionaries(st.text(max_size=2), inner, max_size=2).map(MappingProxyType),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_NESTED, st.integers(0, 8))
def test_deeper_than_matches_the_definition(value, limit):
    assert _json.deeper_than(value, limit) == (_reference_depth(value) > limit)
