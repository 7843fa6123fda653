"""The out-of-band URL layer (refdidcomm._oob_url): every tolerated form, size limits, short URLs, encoding."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List, Mapping, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm import oob
from refdidcomm._oob_url import (
    INVITATION_PARAMETERS,
    MAX_INVITATION_BYTES,
    TOLERANCES,
    FetchResponse,
    encode_url,
    extract_payload,
)
from refdidcomm.errors import MalformedInvitation, UsageError

PAYLOAD = b'{"@type":"https://didcomm.org/out-of-band/1.1/invitation","@id":"x"}'
B64U = base64.urlsafe_b64encode(PAYLOAD).rstrip(b"=").decode()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------- decoding forms


@pytest.mark.parametrize("parameter", INVITATION_PARAMETERS)
def test_each_parameter(parameter: str) -> None:
    p = extract_payload(f"https://example.com/x?{parameter}={B64U}")
    assert p.data == PAYLOAD and p.parameter == parameter
    assert p.tolerated == (("legacy-parameter",) if parameter in ("c_i", "d_m") else ())


def test_other_query_parameters_are_ignored() -> None:
    p = extract_payload(f"https://example.com/x?lang=en&coupon=A%20B&oob={B64U}&x=1#top")
    assert p.data == PAYLOAD and p.tolerated == ()


def test_same_value_twice_is_fine_different_values_are_not() -> None:
    assert extract_payload(f"https://e.x/?oob={B64U}&c_i={B64U}").data == PAYLOAD
    with pytest.raises(MalformedInvitation) as info:
        extract_payload(f"https://e.x/?oob={B64U}&oob={b64u(b'{}')}")
    assert info.value.field == "url"


def test_parameter_preference_order() -> None:
    # identical values: the first in INVITATION_PARAMETERS order is reported
    assert extract_payload(f"https://e.x/?d_m={B64U}&_oob={B64U}").parameter == "_oob"


@pytest.mark.parametrize(
    "length", [0, 1, 2, 3, 15, 16, 17, 63, 64, 65]
)
def test_padding_lengths_round_trip(length: int) -> None:
    data = bytes(range(33, 33 + length))
    padded = base64.urlsafe_b64encode(data).decode()
    unpadded = padded.rstrip("=")
    if length == 0:
        with pytest.raises(MalformedInvitation, match="empty value") as info:
            extract_payload("https://e.x/?oob=")
        assert info.value.field == "oob"
        return
    p = extract_payload(f"https://e.x/?oob={unpadded}")
    assert p.data == data and not p.padded
    p = extract_payload(f"https://e.x/?oob={padded}")
    assert p.data == data
    assert p.padded == padded.endswith("=")
    assert ("padding" in p.tolerated) == padded.endswith("=")


def test_standard_alphabet_and_percent_escapes() -> None:
    data = b"\xfb\xff\xbf>?" * 3 + b"!"
    std = base64.standard_b64encode(data).decode()
    assert "+" in std and "/" in std and std.endswith("=")
    p = extract_payload("https://e.x/?oob=" + std.replace("=", "%3D").replace("/", "%2F").replace("+", "%2B"))
    assert p.data == data
    assert p.tolerated == ("percent-escapes", "padding", "standard-alphabet")
    assert p.base64_alphabet == "standard"


@pytest.mark.parametrize("data", [b"abc\xfb\xef\xbeabc", b"\xfb\xef\xbe" * 4])  # '+' inside; '+' at the very end
def test_form_decoded_plus_becomes_space(data: bytes) -> None:
    std = base64.standard_b64encode(data).decode()
    assert "+" in std
    p = extract_payload("https://e.x/?oob=" + std.replace("+", " "))
    assert p.data == data and "plus-as-space" in p.tolerated
    p = extract_payload("https://e.x/?oob=" + std.replace("+", "%20"))  # a decoded-then-re-encoded space
    assert p.data == data and p.tolerated[:2] == ("percent-escapes", "plus-as-space")


@pytest.mark.parametrize("escape", ["%", "%3", "%zz", "%G0"])
def test_bad_percent_escapes(escape: str) -> None:
    with pytest.raises(MalformedInvitation, match="percent-escape") as info:
        extract_payload(f"https://e.x/?oob={B64U[:8]}{escape}")
    assert info.value.field == "oob"


@pytest.mark.parametrize(
    "url, tolerance",
    [
        (f"didcomm://invite?oob={B64U}", "custom-scheme"),
        (f"id.streetcred://launch/?c_i={B64U}", "custom-scheme"),
        (f"www.acmecorp.com/invite?d_m={B64U}", "missing-scheme"),
        (f"https://wallet.example/#/accept?oob={B64U}", "parameter-in-fragment"),
        (f"https://wallet.example/#oob={B64U}", "parameter-in-fragment"),
        (f"  https://e.x/?oob={B64U}\r\n", "surrounding-whitespace"),
        (B64U, "bare-base64"),
        (PAYLOAD.decode(), "raw-json"),
    ],
)
def test_tolerated_forms(url: str, tolerance: str) -> None:
    p = extract_payload(url)
    assert p.data == PAYLOAD
    assert tolerance in p.tolerated
    assert all(name in TOLERANCES for name in p.tolerated)


def test_raw_json_bytes_are_kept_exactly() -> None:
    text = '{ "@type" : "x",\n  "@id": "é" }'
    assert extract_payload(text).data == text.encode("utf-8")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("https://e.x/?oob=ab-_+/", "mixed base64 alphabets"),
        ("https://e.x/?oob=abc=d", "misplaced padding"),
        ("https://e.x/?oob=abcde", "impossible length"),
        ("https://e.x/?oob=ab=", "incorrect padding"),
        ("https://e.x/?oob=ab*c", "invalid character"),
        ("https://e.x/?oob=AB", "non-canonical trailing bits"),
        ("https://e.x/?oob=é", "invalid character"),
    ],
)
def test_not_base64(text: str, reason: str) -> None:
    with pytest.raises(MalformedInvitation, match=reason) as info:
        extract_payload(text)
    assert info.value.field == "oob"


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty(text: str) -> None:
    with pytest.raises(MalformedInvitation, match="empty"):
        extract_payload(text)


@pytest.mark.parametrize("text", ["https://example.com/ssi?id=5", "mailto:someone@example.com", "not a url at all"])
def test_no_parameter(text: str) -> None:
    with pytest.raises(MalformedInvitation, match="no invitation parameter") as info:
        extract_payload(text)
    assert info.value.field == "url"


def test_no_parameter_hint_for_http_urls() -> None:
    with pytest.raises(MalformedInvitation, match="pass a fetcher"):
        extract_payload("https://example.com/8E6nEcJ26TTE")


@pytest.mark.parametrize("value", [None, 5, b"https://e.x/?oob=" + B64U.encode()])
def test_text_must_be_str(value: Any) -> None:
    with pytest.raises(UsageError):
        extract_payload(value)


@pytest.mark.parametrize("max_size", [0, -1, True, 1.5, "10"])
def test_bad_max_size(max_size: Any) -> None:
    with pytest.raises(UsageError):
        extract_payload(B64U, max_size=max_size)


# ---------------------------------------------------------------- size limits


def test_size_limit_boundary() -> None:
    ok = b"a" * MAX_INVITATION_BYTES
    assert extract_payload("https://e.x/?oob=" + b64u(ok)).data == ok
    for text in ("https://e.x/?oob=" + b64u(ok + b"a"), b64u(ok + b"a"), "{" + "a" * MAX_INVITATION_BYTES + "}"):
        with pytest.raises(MalformedInvitation, match="65536-byte limit"):
            extract_payload(text)


@pytest.mark.parametrize("size", [15, 16, 17, 63, 64, 65])
def test_custom_size_limit(size: int) -> None:
    data = b"b" * size
    if size <= 64:
        assert extract_payload(b64u(data), max_size=64).data == data
    else:
        with pytest.raises(MalformedInvitation, match="64-byte limit"):
            extract_payload(b64u(data), max_size=64)


def test_huge_text_is_refused_before_decoding() -> None:
    with pytest.raises(MalformedInvitation, match="limit"):
        extract_payload("https://e.x/?oob=" + "%41" * 300_000)


# ---------------------------------------------------------------- short URLs


class Server:
    """A scripted fetcher: url -> (status, headers, body); records calls and request headers."""

    def __init__(self, routes: Dict[str, Tuple[int, Any, bytes]]) -> None:
        self.routes = routes
        self.calls: List[Tuple[str, Dict[str, str]]] = []

    def __call__(self, url: str, headers: Mapping[str, str]) -> Any:
        self.calls.append((url, dict(headers)))
        return self.routes[url]


def test_oobid_needs_a_fetcher() -> None:
    with pytest.raises(UsageError, match="fetcher"):
        extract_payload("https://e.x/path?_oobid=5f0e3ffb")


def test_oobid_redirect_with_relative_location_and_list_headers() -> None:
    server = Server({"https://e.x/path?_oobid=1": (302, [("location", f"/long?_oob={B64U}")], b"")})
    p = extract_payload("https://e.x/path?_oobid=1", fetch=server)
    assert p.data == PAYLOAD and p.parameter == "_oob"
    assert p.url == f"https://e.x/long?_oob={B64U}"
    assert p.fetched == ("https://e.x/path?_oobid=1",)
    assert p.tolerated == ("short-url",)
    assert server.calls[0][1] == {"Accept": "application/json"}


def test_oob_parameter_wins_over_oobid() -> None:
    server = Server({})
    assert extract_payload(f"https://e.x/?_oobid=1&_oob={B64U}", fetch=server).data == PAYLOAD
    assert server.calls == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status(status: int) -> None:
    server = Server({"https://e.x/s": (status, {"Location": f"https://e.x/?oob={B64U}"}, b"")})
    assert extract_payload("https://e.x/s", fetch=server).data == PAYLOAD


def test_json_body_is_returned_exactly() -> None:
    body = b'{ "@type": "x" ,"@id" : "y"}'
    server = Server({"https://e.x/s": (200, {"content-type": "application/json;charset=utf-8"}, body)})
    p = extract_payload("https://e.x/s", fetch=server)
    assert p.data == body and p.parameter is None and p.url == "https://e.x/s"


def test_json_body_without_content_type() -> None:
    server = Server({"https://e.x/s": (200, {}, b"\n" + PAYLOAD)})
    assert extract_payload("https://e.x/s", fetch=server).data == b"\n" + PAYLOAD


def test_body_with_url_or_bare_base64() -> None:
    server = Server(
        {
            "https://e.x/a": (200, {"Content-Type": "text/plain"}, f"https://e.x/?oob={B64U}\n".encode()),
            "https://e.x/b": (200, {}, B64U.encode()),
        }
    )
    assert extract_payload("https://e.x/a", fetch=server).data == PAYLOAD
    p = extract_payload("https://e.x/b", fetch=server)
    assert p.data == PAYLOAD and p.tolerated == ("short-url", "bare-base64")


def test_fetch_response_object_and_str_body() -> None:
    server = Server({"https://e.x/s": FetchResponse(200, {}, PAYLOAD.decode())})  # type: ignore[arg-type]
    assert extract_payload("https://e.x/s", fetch=server).data == PAYLOAD


@pytest.mark.parametrize(
    "response, match",
    [
        ((404, {}, b"not found"), "HTTP 404"),
        ((500, {}, b""), "HTTP 500"),
        ((302, {}, b""), "without a Location"),
        ((302, {"Location": "  "}, b""), "without a Location"),
        ((200, {}, b"\xff\xfe"), "neither JSON nor text"),
        ((200, {"Content-Type": "application/json"}, b"{" + b" " * MAX_INVITATION_BYTES + b"}"), "limit"),
    ],
)
def test_bad_short_url_answers(response: Tuple[int, Any, bytes], match: str) -> None:
    with pytest.raises(MalformedInvitation, match=match) as info:
        extract_payload("https://e.x/s", fetch=Server({"https://e.x/s": response}))
    assert info.value.field == "url"


def test_redirect_hops_are_bounded() -> None:
    routes = {f"https://e.x/{i}": (302, {"Location": f"/{i + 1}"}, b"") for i in range(10)}
    server = Server(routes)
    with pytest.raises(MalformedInvitation, match="hops"):
        extract_payload("https://e.x/0", fetch=server)
    assert len(server.calls) == 4  # the first fetch and three more


@pytest.mark.parametrize("bad", [None, (200, {}), (200, {}, b"", 1), ("200", {}, b""), (True, {}, b""), (200, {}, 5)])
def test_fetcher_contract(bad: Any) -> None:
    with pytest.raises(UsageError):
        extract_payload("https://e.x/s", fetch=lambda url, headers: bad)


def test_fetcher_headers_must_be_pairs() -> None:
    with pytest.raises(UsageError):
        extract_payload("https://e.x/s", fetch=lambda url, headers: (302, [1, 2], b""))


# ---------------------------------------------------------------- encoding


def test_encode_keeps_query_and_fragment() -> None:
    url = encode_url(PAYLOAD, base="https://e.x/ssi?lang=en#frag")
    assert url == f"https://e.x/ssi?lang=en&oob={B64U}#frag"
    assert extract_payload(url).data == PAYLOAD


def test_encode_plain_and_custom_scheme() -> None:
    assert encode_url(PAYLOAD, base="https://e.x") == f"https://e.x?oob={B64U}"
    assert encode_url(PAYLOAD, base="didcomm://invite", parameter="_oob") == f"didcomm://invite?_oob={B64U}"
    assert encode_url(PAYLOAD, base="https://e.x/?", parameter="c_i") == f"https://e.x/?c_i={B64U}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": "example.com/ssi"},
        {"base": "https://e.x/a b"},
        {"base": f"https://e.x/?oob={B64U}"},
        {"base": "https://e.x/?_oobid=1"},
        {"base": "https://e.x/", "parameter": "invite"},
        {"base": 5},
    ],
)
def test_encode_usage_errors(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        encode_url(PAYLOAD, **kwargs)


def test_encode_needs_bytes() -> None:
    with pytest.raises(UsageError):
        encode_url(PAYLOAD.decode(), base="https://e.x/")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=300),
    parameter=st.sampled_from(INVITATION_PARAMETERS),
    query=st.sampled_from(["", "?a=1", "?a=1&b=%20"]),
)
def test_encode_decode_round_trip(data: bytes, parameter: str, query: str) -> None:
    url = encode_url(data, base="https://example.com/p" + query, parameter=parameter)
    p = extract_payload(url)
    assert p.data == data and p.parameter == parameter
    assert not p.padded and p.base64_alphabet == "url"


def test_tolerance_names_are_documented_in_the_facade() -> None:
    assert set(TOLERANCES) <= set(oob.TOLERANCES)
    assert json.dumps(oob.TOLERANCES)  # plain strings
