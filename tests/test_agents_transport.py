"""HTTP transport on loopback: media types, 202, size limit, problem reports, client errors."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from typing import Iterator, List

import pytest

from refdidcomm.agents import _transport as t
from refdidcomm.errors import MalformedMessage, UsageError

LIMIT = 64


def _app(seen: List[t.Request]) -> t.Handler:
    def app(request: t.Request) -> t.Response:
        seen.append(request)
        if request.path == "/problem":
            raise t.HTTPProblem(409, "e.p.test.conflict", "x", comment="No: {1} {2}.")
        if request.path == "/malformed":
            raise MalformedMessage("bad member", "x")
        if request.path == "/slow":
            threading.Event().wait(1.0)
        return t.Response(202)

    return app


@pytest.fixture
def endpoint() -> Iterator[tuple]:
    seen: List[t.Request] = []
    ep = t.HTTPEndpoint(_app(seen), max_body=LIMIT)
    ep.start()
    try:
        yield ep, seen
    finally:
        ep.stop()


def _raw(ep: t.HTTPEndpoint, data: bytes) -> bytes:
    """Send raw bytes, return everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", ep.port), timeout=5) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _problem(body: bytes) -> dict:
    report = json.loads(body)
    assert report["type"] == t.PROBLEM_REPORT_TYPE
    assert report["body"]["code"].startswith("e.p.")
    return report


def test_binds_loopback_ephemeral(endpoint):
    ep, _ = endpoint
    assert ep.url.startswith("http://127.0.0.1:")
    assert ep.port > 0


@pytest.mark.parametrize("media_type", sorted(t.DIDCOMM_MEDIA_TYPES))
def test_post_202_with_media_type(endpoint, media_type):
    ep, seen = endpoint
    answer = t.post(ep.url + "/in", b'{"a":1}', media_type + "; charset=utf-8")
    assert answer.status == 202
    assert seen[-1].media_type == media_type  # parameters dropped
    assert seen[-1].body == b'{"a":1}'
    assert seen[-1].method == "POST"


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 63, 64])
def test_sizes_up_to_limit_accepted(endpoint, size):
    ep, seen = endpoint
    assert t.post(ep.url + "/in", b"x" * size, t.MEDIA_TYPE_PLAIN).status == 202
    assert len(seen[-1].body) == size


@pytest.mark.parametrize("size", [65, 1000, 200_000])
def test_oversize_413_problem_report(endpoint, size):
    ep, seen = endpoint
    with pytest.raises(t.TransportError) as info:
        t.post(ep.url + "/in", b"x" * size, t.MEDIA_TYPE_PLAIN)
    assert info.value.status == 413
    body = info.value.problem["body"]
    assert body["code"] == "e.p.xfer.too-large"
    assert body["comment"] == t.PROBLEM_COMMENTS["e.p.xfer.too-large"]  # static per code
    assert body["args"] == [str(size), "64"]
    assert f"A body of {size} bytes exceeds the limit of 64 bytes" in str(info.value)
    assert seen == []  # the app never saw it


def test_problem_from_handler(endpoint):
    ep, _ = endpoint
    with pytest.raises(t.TransportError) as info:
        t.post(ep.url + "/problem", b"{}", t.MEDIA_TYPE_PLAIN)
    assert info.value.status == 409
    assert info.value.problem["body"] == {"code": "e.p.test.conflict", "comment": "No: {1} {2}.", "args": ["x"]}
    assert "No: x ?." in str(info.value)  # a missing arg is '?'
    assert "pthid" not in info.value.problem


def test_refdidcomm_error_is_400_problem(endpoint):
    ep, _ = endpoint
    with pytest.raises(t.TransportError) as info:
        t.post(ep.url + "/malformed", b"{}", t.MEDIA_TYPE_PLAIN)
    assert info.value.status == 400
    assert info.value.problem["body"]["code"] == "e.p.msg.malformed"
    assert info.value.problem["body"]["comment"] == "Bad message: {1}"
    assert info.value.problem["body"]["args"] == ["x: bad member"]
    assert "Traceback" not in str(info.value)


def test_missing_content_length_411(endpoint):
    ep, seen = endpoint
    raw = _raw(ep, b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Type: application/didcomm-plain+json\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411")
    assert _problem(body)["body"]["code"] == "e.p.xfer.length-required"
    assert seen == []


def test_chunked_refused(endpoint):
    ep, seen = endpoint
    raw = _raw(ep, b"POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 411")
    assert seen == []


def test_bad_content_length_400(endpoint):
    ep, seen = endpoint
    raw = _raw(ep, b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert _problem(body)["body"]["code"] == "e.p.xfer.bad-length"


def test_bad_request_version_gets_problem_report(endpoint):
    ep, seen = endpoint
    raw = _raw(ep, b"POST /in HTTP/1.x\r\nContent-Length: 2\r\n\r\n{}")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b" 400 " in head.split(b"\r\n")[0]
    assert _problem(body)["body"]["code"] == "e.p.xfer.bad-request"
    assert b"<html" not in body.lower()
    assert seen == []


def test_garbage_request_line_gets_problem_report(endpoint):
    ep, seen = endpoint
    raw = _raw(ep, b"\x00\x01garbage garbage\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert _problem(body)["body"]["code"] == "e.p.xfer.bad-request"
    assert seen == []


def test_unsupported_method_problem_report(endpoint):
    ep, _ = endpoint
    conn = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
    try:
        conn.request("PUT", "/in", body=b"{}")
        answer = conn.getresponse()
        assert answer.status == 501
        report = _problem(answer.read())
        assert report["body"]["code"] == "e.p.xfer.bad-request" and report["body"]["args"][0] == "501"
    finally:
        conn.close()


def test_truncated_body_no_dispatch(endpoint):
    ep, seen = endpoint
    _raw(ep, b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nonly-ten!!")
    assert seen == []


def test_unreachable_is_transport_error():
    ep = t.HTTPEndpoint(lambda r: t.Response(202))
    url = ep.url
    ep.stop()  # bound then closed: nobody listens there now
    with pytest.raises(t.TransportError) as info:
        t.post(url + "/in", b"{}", t.MEDIA_TYPE_PLAIN, timeout=2)
    assert info.value.status is None
    assert "unreachable" in str(info.value)


def test_timeout_is_transport_error(endpoint):
    ep, _ = endpoint
    with pytest.raises(t.TransportError) as info:
        t.post(ep.url + "/slow", b"{}", t.MEDIA_TYPE_PLAIN, timeout=0.2)
    assert info.value.status is None


def test_get(endpoint):
    ep, seen = endpoint
    assert t.get(ep.url + "/x?q=1").status == 202
    assert seen[-1].method == "GET" and seen[-1].path == "/x" and seen[-1].query == "q=1"


@pytest.mark.parametrize(
    "url, body, media_type",
    [("ftp://x/", b"", "a/b"), ("http://127.0.0.1:1/", "text", "a/b"), ("http://127.0.0.1:1/", b"", "")],
)
def test_client_usage_errors(url, body, media_type):
    with pytest.raises(UsageError):
        t.post(url, body, media_type)


def test_client_timeout_usage_error():
    with pytest.raises(UsageError):
        t.post("http://127.0.0.1:1/", b"", "a/b", timeout=0)


@pytest.mark.parametrize("limit", [0, -1, 1.5, True])
def test_endpoint_bad_limit(limit):
    with pytest.raises(UsageError):
        t.HTTPEndpoint(lambda r: t.Response(202), max_body=limit)


def test_media_type_of():
    assert t.media_type_of("Application/DIDComm-Encrypted+JSON; charset=utf-8") == t.MEDIA_TYPE_ENCRYPTED
    assert t.media_type_of(None) == ""
    assert t.media_type_of("") == ""


def test_problem_report_shape():
    report = t.problem_report("e.p.xfer", "why", pthid="p1")
    assert report["type"] == t.PROBLEM_REPORT_TYPE
    assert report["pthid"] == "p1"
    assert report["body"] == {"code": "e.p.xfer", "comment": "why"}
    assert "pthid" not in t.problem_report("e.p.xfer", "why")
    assert t.problem_report("e.p.me.res.storage", args=["disk"])["body"] == {
        "code": "e.p.me.res.storage",
        "comment": "Storage failed: {1}",
        "args": ["disk"],
    }
    with pytest.raises(UsageError):
        t.problem_report("e.p.unknown.code")


def test_every_comment_is_static_per_code():
    for code, comment in t.PROBLEM_COMMENTS.items():
        assert code.startswith("e.p.") and code == code.lower()
        assert "{" not in comment.replace("{1}", "").replace("{2}", "")


@pytest.mark.parametrize(
    "comment, args, text",
    [
        ("Unable to use the {1} endpoint for {2}.", ["https://a/", "did:x:1"], "Unable to use the https://a/ endpoint for did:x:1."),
        ("Unable to use the {1} endpoint for {2}.", ["https://a/"], "Unable to use the https://a/ endpoint for ?."),
        ("Unable to use the {1} endpoint for {2}.", ["https://a/", None], "Unable to use the https://a/ endpoint for ?."),
        ("Bad: {1}", ["a", "b", "c"], "Bad: a, b, c"),
        ("No args.", [], "No args."),
    ],
)
def test_interpolate(comment, args, text):
    """DIDComm v2 §Problem Reports: missing/null args become '?', extra args are appended."""
    assert t.interpolate(comment, args) == text


def test_json_body():
    assert t.json_body(t.Response(200, t.MEDIA_TYPE_JSON, b'{"a":1}')) == {"a": 1}
    with pytest.raises(MalformedMessage):
        t.json_body(t.Response(200, t.MEDIA_TYPE_JSON, b"[1]"))
    with pytest.raises(MalformedMessage):
        t.json_body(t.Response(200, t.MEDIA_TYPE_JSON, b"{"))
