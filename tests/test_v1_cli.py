"""``v1 pack|unpack|forward`` (refdidcomm._cli_v1), run in-process through its own parser.

The subcommands are wired into ``python -m refdidcomm`` by refdidcomm.cli;
these tests build a parser with :func:`add_parser` so they do not depend on
that wiring.
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys
from typing import List, Tuple

import pytest

from conftest import VECTORS, load_vectors
from refdidcomm import _cli_v1
from refdidcomm.v1 import pack, unpack

KEYFILE = str(VECTORS / "didcomm_v1_envelopes.json")  # its "keys" member is a key file
KEYS = load_vectors("didcomm_v1_envelopes")["keys"]
MESSAGE = b'{"@type":"https://didcomm.org/basicmessage/1.0/message","@id":"12345678","content":"hi"}'


def run(argv: List[str], stdin: bytes = b"") -> Tuple[int, bytes, str]:
    parser = argparse.ArgumentParser(prog="refdidcomm")
    _cli_v1.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    out, err = io.BytesIO(), io.StringIO()

    class _Stdout:
        buffer = out

    class _Stdin:
        buffer = io.BytesIO(stdin)

    saved = sys.stdout, sys.stdin, sys.stderr
    sys.stdout, sys.stdin, sys.stderr = _Stdout(), _Stdin(), err  # type: ignore[assignment]
    try:
        code = args.func(args)
    finally:
        sys.stdout, sys.stdin, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def _seed(name: str) -> bytes:
    return bytes.fromhex(KEYS[name]["seed"])


def test_pack_authcrypt_then_unpack() -> None:
    code, out, err = run(["v1", "pack", "--keys", KEYFILE, "--to", "bob", "--to", KEYS["carol"]["did_key"], "--from", "alice"], MESSAGE)
    assert (code, err) == (0, "")
    for name in ("bob", "carol"):
        got = unpack(out.strip(), _seed(name))
        assert got.message == MESSAGE and got.sender_verkey == KEYS["alice"]["verkey_b58"]
    code, printed, _ = run(["v1", "unpack", "--keys", KEYFILE, "--as", "carol"], out)
    assert code == 0
    assert json.loads(printed) == {"message": MESSAGE.decode(), "recipient_verkey": KEYS["carol"]["verkey_b58"], "sender_verkey": KEYS["alice"]["verkey_b58"]}
    code, raw, _ = run(["v1", "unpack", "--keys", KEYFILE, "--raw"], out)  # every secret key in the file is tried
    assert (code, raw) == (0, MESSAGE + b"\n")


def test_pack_anoncrypt_from_file(tmp_path: pathlib.Path) -> None:
    source = tmp_path / "message.json"
    source.write_bytes(MESSAGE)
    code, out, _ = run(["v1", "pack", "--keys", KEYFILE, "--to", KEYS["dave"]["verkey_b58"], "--in", str(source)])
    assert code == 0
    got = unpack(out, _seed("dave"))
    assert got.message == MESSAGE and got.sender_verkey is None


def test_pack_with_routing_keys_and_unwrap_each_hop() -> None:
    code, out, _ = run(
        ["v1", "pack", "--keys", KEYFILE, "--to", "bob", "--from", "alice", "--routing-key", "mediator_near", "--routing-key", KEYS["mediator_far"]["did_key"]],
        MESSAGE,
    )
    assert code == 0
    code, printed, _ = run(["v1", "forward", "--unwrap", "--keys", KEYFILE, "--as", "mediator_far"], out)
    hop = json.loads(printed)
    assert code == 0 and hop["to"] == KEYS["mediator_near"]["verkey_b58"]
    code, printed, _ = run(["v1", "forward", "--unwrap", "--keys", KEYFILE, "--as", "mediator_near"], json.dumps(hop["msg"]).encode())
    hop = json.loads(printed)
    assert code == 0 and hop["to"] == KEYS["bob"]["verkey_b58"]
    assert unpack(json.dumps(hop["msg"]), _seed("bob")).message == MESSAGE


def test_forward_wraps_an_existing_envelope() -> None:
    inner = pack(MESSAGE, [KEYS["bob"]["verkey_b58"]])
    code, out, _ = run(["v1", "forward", "--keys", KEYFILE, "--to", "bob", "--routing-key", "mediator_near"], inner)
    assert code == 0
    opened = json.loads(unpack(out, _seed("mediator_near")).message)
    assert opened["to"] == KEYS["bob"]["verkey_b58"] and json.dumps(opened["msg"], separators=(",", ":")).encode() == inner


@pytest.mark.parametrize(
    "argv, stdin, needle",
    [
        (["v1", "unpack", "--keys", KEYFILE, "--as", "eve"], b"not json", "envelope"),
        (["v1", "unpack", "--keys", KEYFILE, "--as", "nobody"], b"{}", "no secret key named nobody"),
        (["v1", "pack", "--keys", KEYFILE, "--to", "0OIl"], MESSAGE, "recipient_keys[0]"),
        (["v1", "pack", "--keys", "/nonexistent/keys.json", "--to", "bob"], MESSAGE, "cannot read key file"),
        (["v1", "pack", "--keys", KEYFILE, "--to", "bob", "--in", "/nonexistent/m"], b"", "cannot read"),
        (["v1", "forward", "--keys", KEYFILE, "--to", "bob"], b"{}", "--routing-key"),
    ],
)
def test_errors_exit_1_with_a_message(argv: List[str], stdin: bytes, needle: str) -> None:
    code, out, err = run(argv, stdin)
    assert code == 1 and out == b""
    assert err.startswith("error: ") and needle in err


def test_wrong_key_is_the_opaque_decryption_error() -> None:
    envelope = pack(MESSAGE, [KEYS["bob"]["verkey_b58"]])
    code, _, err = run(["v1", "unpack", "--keys", KEYFILE, "--as", "eve"], envelope)
    assert (code, err) == (1, "error: decryption failed\n")


@pytest.mark.parametrize(
    "entry, needle",
    [
        ({"seed": "00"}, "must be 32 bytes"),
        ({"seed": "zz" * 32}, "must be hex"),
        ({"seed_utf8": "short"}, "must be 32 bytes"),
        ({"seed": "00" * 32, "verkey_b58": KEYS["bob"]["verkey_b58"]}, "different keys"),
        ({"seed": KEYS["bob"]["seed"], "sigkey_b58": KEYS["alice"]["sigkey_b58"]}, "different keys"),
        ({}, "needs one of"),
        ({"verkey_b58": 5}, "must be a string"),
        ({"sigkey_b58": 5}, "must be a string"),
        ("seed", "must be a JSON object"),
    ],
)
def test_bad_key_files(tmp_path: pathlib.Path, entry: object, needle: str) -> None:
    keyfile = tmp_path / "keys.json"
    keyfile.write_text(json.dumps({"keys": {"k": entry}}))
    code, _, err = run(["v1", "pack", "--keys", str(keyfile), "--to", KEYS["bob"]["verkey_b58"]], MESSAGE)
    assert code == 1 and needle in err


def test_plain_mapping_key_file(tmp_path: pathlib.Path) -> None:
    keyfile = tmp_path / "keys.json"
    keyfile.write_text(json.dumps({"me": {"seed_utf8": KEYS["eve"]["seed_utf8"]}, "you": {"did_key": KEYS["bob"]["did_key"]}}))
    code, out, _ = run(["v1", "pack", "--keys", str(keyfile), "--to", "you", "--from", "me"], MESSAGE)
    assert code == 0 and unpack(out, _seed("bob")).sender_verkey == KEYS["eve"]["verkey_b58"]
    code, _, err = run(["v1", "unpack", "--keys", str(keyfile)], out)
    assert code == 1 and "decryption failed" in err  # "me" is not a recipient; "you" has no secret


def test_key_file_without_secrets(tmp_path: pathlib.Path) -> None:
    keyfile = tmp_path / "keys.json"
    keyfile.write_text(json.dumps({"you": {"verkey_b58": KEYS["bob"]["verkey_b58"]}}))
    code, _, err = run(["v1", "unpack", "--keys", str(keyfile)], b"{}")
    assert code == 1 and "no secret key" in err


def test_help_describes_the_key_file() -> None:
    parser = argparse.ArgumentParser(prog="refdidcomm")
    _cli_v1.add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["v1", "pack"])  # --keys and --to are required
    text = parser._subparsers._group_actions[0].choices["v1"].format_help()  # type: ignore[union-attr]
    assert "seed_utf8" in text and "routingKeys" in text
