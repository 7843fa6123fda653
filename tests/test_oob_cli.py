"""The ``oob`` CLI commands (refdidcomm._cli_oob), driven through add_parser on a fresh parser."""

from __future__ import annotations

import argparse
import base64
import http.server
import io
import json
import os
import shutil
import stat
import subprocess
import threading
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from refdidcomm import _cli_oob, did, jwk, oob
from refdidcomm.encoding import b64url_decode
from refdidcomm.errors import UsageError

from conftest import load_vectors

RFC0160_URL = [c for c in load_vectors("oob_invitations")["cases"] if c["tcId"] == 5][0]["input"]
RFC0434_URL = load_vectors("oob_invitations")["cases"][0]["input"]


def run(argv: List[str], capsys: pytest.CaptureFixture, stdin: str = "", monkeypatch: Any = None) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="refdidcomm")
    sub = parser.add_subparsers(dest="command")
    returned = _cli_oob.add_parser(sub)
    assert returned.prog.endswith("oob")
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_prints_the_invitation_and_what_was_tolerated(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(["oob", "decode", RFC0160_URL, "--services"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["kind"] == "connections/1" and report["parameter"] == "c_i"
    assert [t["name"] for t in report["tolerated"]] == ["legacy-parameter", "padding", "legacy-prefix"]
    assert report["invitation"]["@type"].startswith("did:sov:")
    assert report["services"][0]["recipient_keys"] == ["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"]


def test_decode_normalize_and_stdin(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["oob", "decode", "-", "--normalize"], capsys, stdin=RFC0160_URL + "\n", monkeypatch=monkeypatch)
    assert code == 0
    report = json.loads(out)
    assert report["invitation"]["@type"] == "https://didcomm.org/connections/1.0/invitation"
    assert "surrounding-whitespace" in [t["name"] for t in report["tolerated"]]


@pytest.mark.parametrize(
    "text, code, message",
    [
        ("https://e.x/?oob=@@", 1, "MalformedInvitation: oob: not base64"),
        ("https://e.x/?oob=" + base64.urlsafe_b64encode(b"[]").decode().rstrip("="), 1, "JSON object"),
        ("https://e.x/?_oobid=7", 2, "needs a fetcher"),
    ],
)
def test_decode_errors(text: str, code: int, message: str, capsys: pytest.CaptureFixture) -> None:
    got, out, err = run(["oob", "decode", text], capsys)
    assert got == code and out == "" and message in err


def test_decode_max_size(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["oob", "decode", RFC0434_URL, "--max-size", "64"], capsys)
    assert code == 1 and "64-byte limit" in err
    with pytest.raises(SystemExit):
        run(["oob", "decode", RFC0434_URL, "--max-size", "0"], capsys)


def test_encode_file_and_stdin(tmp_path: Any, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    invitation = oob.decode(RFC0434_URL).invitation.to_json()
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(invitation, indent=4), encoding="utf-8")
    code, out, _ = run(["oob", "encode", "--base", "http://example.com/ssi", str(path)], capsys)
    assert code == 0
    assert out.strip() == RFC0434_URL  # compact JSON, unpadded: the RFC's own URL, byte for byte
    code, out, _ = run(["oob", "encode", "--base", "https://e.x/", "--parameter", "d_m", "-"], capsys, json.dumps(invitation), monkeypatch)
    assert code == 0 and out.startswith("https://e.x/?d_m=")


def test_encode_default_base_is_the_inline_endpoint(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    message = oob.make_invitation(
        services=[oob.inline_service("https://agent.example/didcomm", ["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"])],
        handshake_protocols=["https://didcomm.org/didexchange/1.1"],
    )
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(message), encoding="utf-8")
    code, out, _ = run(["oob", "encode", str(path)], capsys)
    assert code == 0 and out.startswith("https://agent.example/didcomm?oob=")
    assert oob.decode(out.strip()).invitation.to_json() == message


@pytest.mark.parametrize(
    "content, code, message",
    [
        ('{"@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "x", "services": ["did:example:a"], '
         '"handshake_protocols": ["https://didcomm.org/didexchange/1.1"]}', 2, "--base URL is required"),
        ("[1, 2]", 2, "one JSON object"),
        ("{not json", 1, "invalid JSON"),
        ('{"@type": "https://didcomm.org/out-of-band/1.1/invitation"}', 2, "not a valid invitation"),
    ],
)
def test_encode_errors(content: str, code: int, message: str, tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "inv.json"
    path.write_text(content, encoding="utf-8")
    got, _, err = run(["oob", "encode", str(path)], capsys)
    assert got == code and message in err


def test_encode_missing_file(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["oob", "encode", str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "cannot read" in err
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"label": "\xe9"}')
    code, _, err = run(["oob", "encode", str(bad)], capsys)
    assert code == 2 and "not UTF-8" in err


def _zbar(path: str) -> str:
    # QR only: with every symbology on, zbar also "finds" an Interleaved 2 of 5 code in some QR images
    # (seen: "I2/5:049153" next to the correct QR-Code result at ECC L).
    proc = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", path], capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8").rstrip("\n")


@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_qr_png_decodes_back_to_the_url(ecc: str, tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    out_file = str(tmp_path / "inv.png")
    code, _, err = run(["oob", "qr", RFC0434_URL, "--format", "png", "--ecc", ecc, "-o", out_file], capsys)
    assert code == 0 and f"-{ecc}," in err
    with open(out_file, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is not installed; the PNG was written but not decoded")
    assert _zbar(out_file) == RFC0434_URL


def test_qr_terminal_and_svg(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(["oob", "qr", RFC0434_URL], capsys)
    assert code == 0 and "▀" in out and out.endswith("\n")
    code, out, _ = run(["oob", "qr", RFC0434_URL, "--format", "svg"], capsys)
    assert code == 0 and out.lstrip().startswith("<") and "svg" in out
    svg_file = tmp_path / "inv.svg"
    code, out, _ = run(["oob", "qr", RFC0434_URL, "--format", "svg", "-o", str(svg_file)], capsys)
    assert code == 0 and out == "" and "<svg" in svg_file.read_text(encoding="utf-8")


def test_qr_refuses_a_broken_invitation_and_png_without_output(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(["oob", "qr", "https://e.x/?oob=eyJ"], capsys)
    assert code == 1 and out == "" and "MalformedInvitation" in err
    code, _, err = run(["oob", "qr", RFC0434_URL, "--format", "png"], capsys)
    assert code == 2 and "needs -o" in err


def _secrets(path: Any) -> List[jwk.JWK]:
    return [jwk.JWK.from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]


def test_create_inline(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    secrets = tmp_path / "keys.json"
    code, out, err = run(
        ["oob", "create", "--endpoint", "https://alice.example/didcomm", "--label", "Alice", "--goal-code", "p2p-messaging",
         "--secrets", str(secrets), "--json"],
        capsys,
    )
    assert code == 0 and "not saved" not in err
    result = json.loads(out)
    decoded = oob.decode(result["url"])
    assert decoded.tolerated == () and decoded.kind == "out-of-band/1"
    assert result["url"].startswith("https://alice.example/didcomm?oob=")
    assert decoded.invitation.to_json() == result["invitation"]
    assert decoded.invitation.label == "Alice" and decoded.invitation.goal_code == "p2p-messaging"
    [endpoint] = oob.service_endpoints(decoded)
    assert endpoint.uri == "https://alice.example/didcomm" and endpoint.recipient_keys == (result["did"],)
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    [key] = _secrets(secrets)
    assert key.is_private and key.crv == "Ed25519"
    assert key.kid.startswith(result["did"] + "#")
    assert did.create_did_key(key) == result["did"]  # the secret belongs to the published key


def test_create_peer_and_v2(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    for flag, kind in (("--peer", "out-of-band/1"), ("--v2", "out-of-band/2")):
        secrets = tmp_path / f"keys{flag}.json"
        code, out, _ = run(
            ["oob", "create", flag, "--endpoint", "https://bob.example/dc", "--routing-key",
             "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th", "--secrets", str(secrets), "--json",
             "--base", "https://bob.example/invite"],
            capsys,
        )
        assert code == 0
        result = json.loads(out)
        decoded = oob.decode(result["url"])
        assert decoded.kind == kind and decoded.tolerated == ()
        assert result["did"].startswith("did:peer:2.")
        [endpoint] = oob.service_endpoints(decoded)
        assert endpoint.uri == "https://bob.example/dc"
        assert endpoint.routing_keys == ("did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th",)
        keys = _secrets(secrets)
        doc = did.resolve(result["did"])
        assert [k.kid for k in keys] == [doc.authentication[0].id, doc.key_agreement[0].id]
        [service] = doc.service
        if flag == "--v2":
            # DIDComm v2: a DIDCommMessaging ("dm") service; recipients are the keyAgreement keys.
            assert service.types == ("DIDCommMessaging",) and '"t":"dm"' in _service_json(result["did"])
            assert endpoint.recipient_keys == (doc.key_agreement[0].id,)
            assert did.key_of(doc.key_agreement[0]).public_key == keys[1].x
        else:
            # DIDComm v1: never "dm" (peer DID spec); a did-communication service naming the Ed25519 key.
            assert service.types == ("did-communication",) and '"dm"' not in _service_json(result["did"])
            assert service.id == result["did"] + "#didcomm-0" and service.raw["priority"] == 0
            # The service's "#key-1" reference comes back as what a v1 packer
            # can address: the did:key of that Ed25519 key.
            ref = did.key_of(did.dereference(doc, result["did"] + "#key-1"))
            assert ref.crv == "Ed25519" and ref.public_key == keys[0].x
            assert endpoint.recipient_keys == (did.create_did_key(keys[0]),)


def _service_json(peer: str) -> str:
    """The decoded JSON of a did:peer:2's one S element."""
    [element] = [e for e in peer.split(".") if e.startswith("S")]
    return b64url_decode(element[1:]).decode()


def test_create_without_secrets_warns(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(["oob", "create", "--endpoint", "https://a.example/"], capsys)
    assert code == 0 and "not saved" in err and out.startswith("https://a.example/?oob=")
    assert "\"d\"" not in out


def test_create_usage_errors(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["oob", "create", "--v2", "--endpoint", "https://a.example/", "--label", "x"], capsys)
    assert code == 2 and "--label" in err
    code, _, err = run(["oob", "create", "--endpoint", "https://a.example/", "--handshake", "nope"], capsys)
    assert code == 2 and "not a valid invitation" in err
    with pytest.raises(SystemExit):
        run(["oob", "create", "--peer", "--v2", "--endpoint", "https://a.example/"], capsys)
    with pytest.raises(SystemExit):
        run(["oob", "create"], capsys)


# ---------------------------------------------------------------- --fetch against a local HTTP server


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: Dict[str, Tuple[int, Dict[str, str], bytes]] = {}
    seen: List[Dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Handler.seen.append({"path": self.path, "accept": self.headers.get("Accept", "")})
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.seen = []
    invitation = oob.decode(RFC0434_URL).data
    _Handler.routes = {
        "/path?_oobid=1": (302, {"Location": "/long?oob=" + RFC0434_URL.split("oob=")[1]}, b""),
        "/8E6nEcJ26TTE": (200, {"Content-Type": "application/json; charset=utf-8"}, invitation),
        "/file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/file-short": (302, {"Location": "file:///etc/passwd?_oobid=1"}, b""),
    }
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_fetch_oobid_redirect_and_json(server: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(["oob", "decode", "--fetch", server + "/path?_oobid=1"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["fetched"] == [server + "/path?_oobid=1"] and report["parameter"] == "oob"
    assert [t["name"] for t in report["tolerated"]] == ["short-url"]
    assert _Handler.seen[0]["accept"] == "application/json"
    code, out, _ = run(["oob", "decode", "--fetch", server + "/8E6nEcJ26TTE"], capsys)
    assert code == 0 and json.loads(out)["id"] == "69212a3a-d068-4f9d-a2dd-4741bca89af3"


def test_fetch_errors(server: str, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["oob", "decode", "--fetch", server + "/missing"], capsys)
    assert code == 1 and "HTTP 404" in err
    code, _, err = run(["oob", "decode", "--fetch", server + "/file"], capsys)
    assert code == 1 and "no invitation parameter" in err  # the core only fetches http(s) URLs by itself
    code, _, err = run(["oob", "decode", "--fetch", server + "/file-short"], capsys)
    assert code == 2 and "non-HTTP(S)" in err  # a _oobid URL is handed to the fetcher, which refuses it


def test_fetcher_refuses_other_schemes_and_unreachable_hosts() -> None:
    fetch = _cli_oob.http_fetcher(timeout=2)
    with pytest.raises(UsageError, match="non-HTTP"):
        fetch("file:///etc/passwd", {})
    with pytest.raises(UsageError, match="cannot fetch"):
        fetch("http://127.0.0.1:1/x", {})


def _invitation_url_of_about(size: int) -> str:
    """An out-of-band 1.1 URL of ``size`` characters or a little less, its length made up by an attached request."""
    def url(filler: int) -> str:
        message = oob.make_invitation(
            services=[oob.inline_service("https://agent.example/didcomm", ["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"])],
            handshake_protocols=["https://didcomm.org/didexchange/1.1"],
            requests=[{"@id": "request-0", "mime-type": "application/json", "data": {"json": {"comment": "x" * filler}}}],
            label="Faber College",
            invitation_id="69212a3a-d068-4f9d-a2dd-4741bca89af3",
        )
        return oob.encode_url(message, base="https://e.x/i")

    filler = (size - len(url(0))) * 3 // 4
    result = url(filler)
    while len(result) > size:
        filler -= 1
        result = url(filler)
    return result


@pytest.mark.parametrize("size, ecc", [(2048, "L"), (2048, "M"), (1600, "Q"), (1200, "H")])
def test_qr_long_invitations_decode_back(size: int, ecc: str, tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    url = _invitation_url_of_about(size)
    assert size - 4 <= len(url) <= size
    out_file = str(tmp_path / "long.png")
    code, _, err = run(["oob", "qr", url, "--format", "png", "--ecc", ecc, "-o", out_file], capsys)
    assert code == 0, err
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is not installed")
    assert _zbar(out_file) == url


def test_qr_too_long_for_the_level(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["oob", "qr", _invitation_url_of_about(2048), "--ecc", "H"], capsys)
    assert code == 2 and err.startswith("error:")
