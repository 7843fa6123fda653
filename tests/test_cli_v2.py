"""The DIDComm v2 CLI (refdidcomm._cli_v2): pack -> forward unwrap x3 -> unpack through temp JWKS files."""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys
from typing import Dict, List, Tuple

import pytest

from refdidcomm import _cli_v2
from refdidcomm.errors import MalformedMessage, UsageError

from conftest import load_vectors

VECTORS = load_vectors("didcomm_v2_forward")
SECRETS = VECTORS["keys"]["secrets"]
MESSAGE = {
    "id": "cli-1",
    "type": "https://example.org/lunch/1.0/proposal",
    "from": "did:example:dave",
    "to": ["did:example:charlie"],
    "body": {"where": "the usual place"},
}


def run(argv: List[str], capsys: pytest.CaptureFixture, stdin: str = "") -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="refdidcomm")
    _cli_v2.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")))
    try:
        code = args.func(args)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def jwks(tmp: pathlib.Path, name: str, prefix: str) -> str:
    keys = [dict(jwk, kid=kid) for kid, jwk in SECRETS.items() if kid.startswith(prefix + "#")]
    path = tmp / f"{name}.jwks"
    path.write_text(json.dumps({"keys": keys}))
    return str(path)


@pytest.fixture
def files(tmp_path: pathlib.Path) -> Dict[str, str]:
    docs = tmp_path / "docs.json"
    docs.write_text(json.dumps({"documents": VECTORS["keys"]["documents"]}))
    msg = tmp_path / "msg.json"
    msg.write_text(json.dumps(MESSAGE))
    out = {"docs": str(docs), "msg": str(msg), "dir": str(tmp_path)}
    for who in ("dave", "charlie", "mediator1", "mediator2", "mediator3"):
        out[who] = jwks(tmp_path, who, f"did:example:{who}")
    return out


def test_pack_forward_unwrap_three_hops_unpack(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(
        ["pack", "--authcrypt", "--from", "did:example:dave", "--to", "did:example:charlie", "--secrets", files["dave"],
         "--did-docs", files["docs"], "--json", files["msg"]],
        capsys,
    )
    assert (code, err) == (0, "")
    packed = json.loads(out)
    assert packed["service_metadata"]["routing_keys"] == [
        "did:example:mediator3", "did:example:mediator2#key-x25519-1", "did:example:mediator1#key-x25519-1"]
    assert packed["from_kid"] == "did:example:dave#key-1"
    current = packed["packed"]
    for mediator, nxt in (("mediator3", "did:example:mediator2#key-x25519-1"), ("mediator2", "did:example:mediator1#key-x25519-1"),
                          ("mediator1", "did:example:charlie")):
        code, out, err = run(["forward", "unwrap", "--secrets", files[mediator], "--did-docs", files["docs"], "-"], capsys, stdin=current)
        assert (code, err) == (0, "")
        hop = json.loads(out)
        assert hop["next"] == nxt
        assert hop["forward_message"]["type"] == "https://didcomm.org/routing/2.0/forward"
        current = json.dumps(hop["forwarded"])
    code, out, err = run(["unpack", "--secrets", files["charlie"], "--did-docs", files["docs"], current], capsys)
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["message"]["body"] == MESSAGE["body"] and result["message"]["id"] == "cli-1"
    assert result["metadata"]["authenticated"] is True
    assert result["metadata"]["encrypted"] is True
    assert result["metadata"]["re_wrapped_in_forward"] is False


def test_pack_seed_is_reproducible_and_no_forward(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    argv = ["pack", "--from", "did:example:dave", "--to", "did:example:charlie", "--secrets", files["dave"],
            "--did-docs", files["docs"], "--seed", "00ff", files["msg"]]
    one = run(argv, capsys)[1]
    two = run(argv, capsys)[1]
    assert one == two and one.endswith("\n")
    direct = run(argv[:-1] + ["--no-forward", files["msg"]], capsys)[1]
    # without forwarding Charlie opens it directly
    code, out, _ = run(["unpack", "--secrets", files["charlie"], "--did-docs", files["docs"], direct.strip()], capsys)
    assert code == 0 and json.loads(out)["message"]["id"] == "cli-1"
    code, out, err = run(["unpack", "--secrets", files["charlie"], "--did-docs", files["docs"], one.strip()], capsys)
    assert code == 1 and err.startswith("error: ")  # the outer layer is mediator3's


def test_anoncrypt_plaintext_and_message_from_stdin(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    anon = dict(MESSAGE)
    del anon["from"]
    code, out, _ = run(["pack", "--anoncrypt", "--to", "did:example:erin", "--did-docs", files["docs"], "-"], capsys, stdin=json.dumps(dict(anon, to=["did:example:erin"])))
    assert code == 0
    erin = jwks(pathlib.Path(files["dir"]), "erin", "did:example:erin")
    code, out, _ = run(["unpack", "--secrets", erin, "--did-docs", files["docs"], out.strip()], capsys)
    meta = json.loads(out)["metadata"]
    assert code == 0 and meta["anonymous_sender"] is True and meta["authenticated"] is False
    code, out, _ = run(["pack", "--plaintext", files["msg"]], capsys)
    assert code == 0 and json.loads(out)["id"] == "cli-1"


def test_forward_wrap_command(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    inner = '{"protected":"e30","recipients":[],"iv":"","ciphertext":"","tag":""}'
    code, out, err = run(["forward", "wrap", "--to", "did:example:bob", "--did-docs", files["docs"], "--seed", "01", inner], capsys)
    assert (code, err) == (0, "")
    wrapped = json.loads(out)
    assert wrapped["service_metadata"] == {"id": "did:example:bob#didcomm-1", "service_endpoint": "http://example.com/path",
                                           "routing_keys": ["did:example:mediator1#key-x25519-1"]}
    code, out, _ = run(["forward", "unwrap", "--secrets", files["mediator1"], "--did-docs", files["docs"], json.dumps(wrapped["packed"])], capsys)
    assert code == 0 and json.loads(out)["forwarded"] == json.loads(inner) and json.loads(out)["next"] == "did:example:bob"


@pytest.mark.parametrize(
    "argv",
    [
        ["pack", "--authcrypt", "--to", "did:example:charlie", "{}"],  # no --from
        ["pack", "--anoncrypt", "{}"],  # no --to
        ["pack", "--signed", '{"id":"1","type":"t","body":{}}'],  # no signer
        ["pack", "--plaintext", "--from", "did:example:dave", '{"id":"1","type":"t","body":{}}'],
        ["pack", "--plaintext", '{"id":"1","type":"t"}'],  # body missing
        ["pack", "--plaintext", "/nonexistent/message.json"],
        ["pack", "--to", "did:example:charlie", "--seed", "xyz", '{"id":"1","type":"t","body":{}}'],
    ],
)
def test_pack_usage_errors_exit_1(argv: List[str], capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(argv, capsys)
    assert code == 1 and out == "" and err.startswith("error: ")


def test_forward_unwrap_with_wrong_mediator_keys(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(["pack", "--from", "did:example:dave", "--to", "did:example:charlie", "--secrets", files["dave"],
                        "--did-docs", files["docs"], files["msg"]], capsys)
    code, out, err = run(["forward", "unwrap", "--secrets", files["mediator1"], "--did-docs", files["docs"], out.strip()], capsys)
    assert code == 1 and "error:" in err


def test_secrets_file_shapes(tmp_path: pathlib.Path) -> None:
    kid = "did:example:mediator1#key-x25519-1"
    jwk = SECRETS[kid]
    (tmp_path / "a.json").write_text(json.dumps({"keys": [dict(jwk, kid=kid)]}))
    (tmp_path / "b.json").write_text(json.dumps([dict(jwk, kid=kid)]))
    (tmp_path / "c.json").write_text(json.dumps({"secrets": {kid: jwk}}))
    for name in "abc":
        keys = _cli_v2.load_secrets_file(str(tmp_path / f"{name}.json"))
        assert list(keys) == [kid] and keys[kid].d is not None
    (tmp_path / "d.json").write_text(json.dumps({"keys": [jwk]}))  # no kid
    with pytest.raises(MalformedMessage):
        _cli_v2.load_secrets_file(str(tmp_path / "d.json"))
    (tmp_path / "e.json").write_text(json.dumps({"secrets": {kid: dict(jwk, kid="did:example:other#k")}}))
    with pytest.raises(MalformedMessage, match="differs"):
        _cli_v2.load_secrets_file(str(tmp_path / "e.json"))
    (tmp_path / "f.json").write_text("{not json")
    with pytest.raises(MalformedMessage):
        _cli_v2.load_secrets_file(str(tmp_path / "f.json"))
    with pytest.raises(UsageError):
        _cli_v2.load_secrets_file(str(tmp_path / "missing.json"))


def test_did_docs_file_shapes(tmp_path: pathlib.Path) -> None:
    doc = VECTORS["keys"]["documents"][0]
    for name, content in (("one", doc), ("array", [doc]), ("documents", {"documents": [doc]}), ("vectors", {"keys": {"documents": [doc]}})):
        (tmp_path / name).write_text(json.dumps(content))
        assert _cli_v2.load_did_docs_file(str(tmp_path / name)) == [doc]
    (tmp_path / "bad").write_text(json.dumps({"nope": 1}))
    with pytest.raises(MalformedMessage):
        _cli_v2.load_did_docs_file(str(tmp_path / "bad"))


def test_signed_and_sign_then_anoncrypt(files: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    from refdidcomm import did
    from refdidcomm.jwk import generate

    key = generate("Ed25519", rng=lambda n: b"\x07" * n)
    signer = did.create_did_key(key)
    kid = f"{signer}#{signer.split(':')[2]}"
    secrets = pathlib.Path(files["dir"]) / "signer.jwks"
    secrets.write_text(json.dumps({"keys": [dict(key.to_dict(private=True), kid=kid)]}))
    msg = json.dumps({"id": "s1", "type": "https://example.org/t/1.0/m", "from": signer, "to": ["did:example:erin"], "body": {}})
    code, out, err = run(["pack", "--signed", "--sign-from", signer, "--secrets", str(secrets), "--json", msg], capsys)
    assert (code, err) == (0, "")
    signed = json.loads(out)
    assert signed["sign_from_kid"] == kid
    code, out, _ = run(["unpack", "--secrets", files["charlie"], signed["packed"]], capsys)
    meta = json.loads(out)["metadata"]
    assert code == 0 and meta["non_repudiation"] is True and meta["encrypted"] is False
    code, out, err = run(["pack", "--anoncrypt", "--sign-from", signer, "--to", "did:example:erin", "--secrets", str(secrets),
                          "--did-docs", files["docs"], msg], capsys)
    assert (code, err) == (0, "")
    erin = jwks(pathlib.Path(files["dir"]), "erin", "did:example:erin")
    code, out, _ = run(["unpack", "--secrets", erin, "--did-docs", files["docs"], out.strip()], capsys)
    meta = json.loads(out)["metadata"]
    assert code == 0 and meta["non_repudiation"] is True and meta["anonymous_sender"] is True and meta["sign_from"] == kid


def test_python_m_refdidcomm_round_trip(files: Dict[str, str]) -> None:
    import subprocess

    root = pathlib.Path(__file__).resolve().parent.parent
    env = dict(__import__("os").environ, PYTHONPATH=str(root))

    def cli(*argv: str, stdin: str = "") -> str:
        done = subprocess.run([sys.executable, "-m", "refdidcomm", *argv], input=stdin, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    packed = cli("pack", "--from", "did:example:dave", "--to", "did:example:charlie", "--secrets", files["dave"], "--did-docs", files["docs"], files["msg"])
    for mediator in ("mediator3", "mediator2", "mediator1"):
        packed = json.dumps(json.loads(cli("forward", "unwrap", "--secrets", files[mediator], "--did-docs", files["docs"], "-", stdin=packed))["forwarded"])
    result = json.loads(cli("unpack", "--secrets", files["charlie"], "--did-docs", files["docs"], "-", stdin=packed))
    assert result["message"]["id"] == "cli-1" and result["metadata"]["authenticated"] is True
    bad = subprocess.run([sys.executable, "-m", "refdidcomm", "unpack", "--secrets", files["charlie"], "{}"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ")
