"""Tests for refdidcomm._cli_did (``python -m refdidcomm did ...``), run in-process through add_parser."""

from __future__ import annotations

import argparse
import json
from typing import Tuple

import pytest

from refdidcomm import _cli_did, crypto
from refdidcomm.did import key_of, normalize_services, resolve
from refdidcomm.jwk import JWK

from conftest import load_vectors


def run(capsys: pytest.CaptureFixture, *argv: str) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="refdidcomm")
    _cli_did.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    status = args.func(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_resolve_prints_the_document(capsys):
    case = next(c for c in load_vectors("did_peer")["cases"] if c["op"] == "peer2_resolve" and not c["legacy"])
    status, out, err = run(capsys, "did", "resolve", case["did"])
    assert (status, err) == (0, "")
    assert json.loads(out) == case["document"]


def test_resolve_legacy_known_and_documents(capsys, tmp_path):
    legacy = next(c for c in load_vectors("did_peer")["cases"] if c["op"] == "peer2_resolve" and c["legacy"])
    status, out, _ = run(capsys, "did", "resolve", "--legacy", legacy["did"])
    assert status == 0 and json.loads(out) == legacy["document"]

    p3 = next(c for c in load_vectors("did_peer")["cases"] if c["op"] == "peer3_resolve")
    status, out, _ = run(capsys, "did", "resolve", p3["did"], "--known", p3["did_peer_2"])
    assert status == 0 and json.loads(out)["alsoKnownAs"] == [p3["did_peer_2"]]

    docs = tmp_path / "docs.json"
    docs.write_text(json.dumps([{"id": "did:example:carol"}]))
    status, out, _ = run(capsys, "did", "resolve", "did:example:carol", "--documents", str(docs))
    assert status == 0 and json.loads(out) == {"id": "did:example:carol"}
    docs.write_text(json.dumps({"did:example:carol": {"id": "did:example:carol"}}))
    status, out, _ = run(capsys, "did", "resolve", "did:example:carol", "--documents", str(docs))
    assert status == 0 and json.loads(out)["id"] == "did:example:carol"
    docs.write_text("7")
    status, _, err = run(capsys, "did", "resolve", "did:example:carol", "--documents", str(docs))
    assert status == 1 and "--documents" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["did", "resolve", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0"], "invalid character"),
        (["did", "resolve", "did:peer:2.Xz6Mk"], "unknown purpose code"),
        (["did", "resolve", "did:peer:3zQmS19jtYDvGtKVrJhQnRFpBQAx3pJ9omx2HpNrcXFuRCz9"], "not among the known DIDs"),
        (["did", "resolve", "did:example:x", "--documents", "/nonexistent/file.json"], "cannot read"),
        (["did", "create", "key", "--key", "Ed448"], "a key is a curve name"),
        (["did", "create", "key", "--seed", "xyz"], "--seed must be hexadecimal"),
        (["did", "create", "peer2", "--key", "V"], "PURPOSE:KEY"),
        (["did", "create", "peer2", "--key", "Q:Ed25519"], "unknown purpose"),
        (["did", "create", "peer2", "--key", "V:X25519"], "cannot serve authentication"),
        (["did", "create", "peer2", "--accept", "didcomm/v2"], "belong to --endpoint"),
        (["did", "create", "peer2", "--service", "{not json"], "invalid JSON"),
        (["did", "create", "peer4", "--document", '{"id": "did:example:x"}'], "MUST NOT include an id"),
        (["did", "create", "peer4", "--document", "{}", "--endpoint", "https://a"], "excludes"),
        (["did", "keys", "--crv", "RSA"], "unknown curve"),
        (["did", "keys", "--count", "0"], "at least 1"),
    ],
)
def test_errors_are_one_line_on_stderr(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_create_key_and_peer0_with_private_keys(capsys):
    for method, prefix in (("key", "did:key:z6Mk"), ("peer0", "did:peer:0z6Mk")):
        status, out, _ = run(capsys, "did", "create", method, "--seed", "01", "--private")
        assert status == 0
        result = json.loads(out)
        assert result["did"].startswith(prefix)
        ed, x = (JWK.from_dict(k) for k in result["keys"])
        doc = resolve(result["did"])
        assert ed.kid == doc.authentication[0].id and x.kid == doc.key_agreement[0].id
        assert key_of(doc.authentication[0]).public_key == ed.x
        assert key_of(doc.key_agreement[0]).public_key == x.x
        # The derived X25519 private key agrees with the key in the document.
        assert crypto.x25519_public_key(x.d) == x.x
        # Same seed, same output; plain mode prints only the DID.
        status, plain, _ = run(capsys, "did", "create", method, "--seed", "01")
        assert plain == result["did"] + "\n"


def test_create_key_from_given_keys(capsys, tmp_path):
    status, out, _ = run(capsys, "did", "keys", "--crv", "P-256", "--seed", "07")
    (entry,) = json.loads(out)
    jwk_file = tmp_path / "k.json"
    jwk_file.write_text(json.dumps(entry["jwk"]))
    status, out, _ = run(capsys, "did", "create", "key", "--key", "@" + str(jwk_file))
    assert out.strip() == entry["did_key"]
    status, out, _ = run(capsys, "did", "create", "key", "--key", json.dumps(entry["jwk"]), "--private")
    result = json.loads(out)
    assert result["keys"][0]["d"] == entry["jwk"]["d"] and len(result["keys"]) == 1
    multikey = entry["did_key"][len("did:key:") :]
    status, out, _ = run(capsys, "did", "create", "peer0", "--key", multikey, "--private")
    assert json.loads(out) == {"did": "did:peer:0" + multikey, "keys": []}


def test_create_peer2_default_and_explicit(capsys):
    status, out, _ = run(capsys, "did", "create", "peer2", "--seed", "02", "--private", "--endpoint", "https://example.com/dc", "--accept", "didcomm/v2", "--routing-key", "did:example:mediator#key-1")
    result = json.loads(out)
    doc = resolve(result["did"])
    (endpoint,) = normalize_services(doc)
    assert (endpoint.uri, endpoint.accept, endpoint.routing_keys) == ("https://example.com/dc", ("didcomm/v2",), ("did:example:mediator#key-1",))
    keys = [JWK.from_dict(k) for k in result["keys"]]
    assert [k.kid for k in keys] == [result["did"] + "#key-1", result["did"] + "#key-2"]
    assert [key_of(vm).public_key for vm in doc.authentication + doc.key_agreement] == [k.x for k in keys]

    status, out, _ = run(
        capsys, "did", "create", "peer2", "--seed", "03", "--key", "authentication:P-256", "--key", "E:secp256k1",
        "--key", "A:z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V",
        "--service", '{"type": "did-communication", "serviceEndpoint": "https://v1.example", "recipientKeys": ["#key-1"]}',
    )
    did = out.strip()
    doc = resolve(did)
    assert [key_of(vm).crv for vm in doc.verification_method] == ["P-256", "secp256k1", "Ed25519"]
    assert normalize_services(doc)[0].type == "did-communication"


def test_create_peer4_from_keys_and_from_document(capsys, tmp_path):
    status, out, _ = run(capsys, "did", "create", "peer4", "--seed", "04", "--endpoint", "https://example.com/dc")
    long_form, short_form = out.split()
    assert long_form.startswith(short_form + ":")
    doc = resolve(short_form, known=[long_form])
    assert [vm.id for vm in doc.key_agreement] == [short_form + "#key-2"]
    assert normalize_services(doc)[0].id == short_form + "#service"

    status, out, _ = run(capsys, "did", "create", "peer4", "--seed", "04", "--endpoint", "https://example.com/dc", "--private")
    result = json.loads(out)
    assert (result["did"], result["short_did"]) == (long_form, short_form)
    assert [k["kid"] for k in result["keys"]] == [long_form + "#key-1", long_form + "#key-2"]

    case = next(c for c in load_vectors("did_peer")["cases"] if c["op"] == "peer4")
    path = tmp_path / "input.json"
    path.write_text(json.dumps(case["input_document"]))
    status, out, _ = run(capsys, "did", "create", "peer4", "--document", "@" + str(path))
    assert out.split() == [case["long_form"], case["short_form"]]


def test_keys_generates_pairs(capsys):
    status, out, _ = run(capsys, "did", "keys", "--crv", "Ed25519", "--crv", "X25519", "--crv", "P-521", "--count", "2", "--seed", "05")
    entries = json.loads(out)
    assert [e["jwk"]["crv"] for e in entries] == ["Ed25519", "Ed25519", "X25519", "X25519", "P-521", "P-521"]
    assert len({e["did_key"] for e in entries}) == 6
    for entry in entries:
        jwk = JWK.from_dict(entry["jwk"])  # validates d against x (and y)
        assert jwk.is_private
        assert key_of(resolve(entry["did_key"]).verification_method[0]).jwk.x == jwk.x
    status, again, _ = run(capsys, "did", "keys", "--crv", "Ed25519", "--crv", "X25519", "--crv", "P-521", "--count", "2", "--seed", "05")
    assert again == out
    status, unseeded, _ = run(capsys, "did", "keys")
    assert [e["jwk"]["crv"] for e in json.loads(unseeded)] == ["Ed25519", "X25519"]


def test_did_subcommand_required(capsys):
    parser = argparse.ArgumentParser(prog="refdidcomm")
    _cli_did.add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["did"])
    with pytest.raises(SystemExit):
        parser.parse_args(["did", "create"])
