"""``vectors generate``: reproducible from the seed, every case checks on both backends.

Same seed -> identical bytes; different seeds -> different keys; every
positive case passes and every negative case fails with its stated error
class (the checker enforces the class); the header says what the issue asks.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Dict

import pytest

from refdidcomm import _cli_vectors, crypto
from refdidcomm.errors import BackendUnavailable, UsageError
from refdidcomm.vectors import check_document, generate, generate_documents
from refdidcomm.vectors._format import BANNER, dump

_CACHE: Dict[str, Dict[str, dict]] = {}


def _docs(seed: str, suite: str) -> Dict[str, dict]:
    key = f"{seed}|{suite}"
    if key not in _CACHE:
        _CACHE[key] = generate_documents(seed, suite=suite, backend="both")
    return _CACHE[key]


SUITES_READY = ["crypto", "jose", "did", "oob", "v1", "v2"]


@pytest.mark.parametrize("suite", SUITES_READY)
def test_same_seed_same_bytes(suite: str) -> None:
    a = _docs("test-seed-1", suite)
    b = generate_documents("test-seed-1", suite=suite, backend="both")
    assert list(a) == list(b)
    for name in a:
        assert dump(a[name]) == dump(b[name]), name


@pytest.mark.parametrize("suite", SUITES_READY)
def test_different_seeds_different_keys(suite: str) -> None:
    a, b = _docs("test-seed-1", suite), _docs("test-seed-2", suite)
    for name in a:
        assert a[name]["header"]["seed"] != b[name]["header"]["seed"]
        first_a = json.dumps(a[name]["cases"][0], sort_keys=True)
        first_b = json.dumps(b[name]["cases"][0], sort_keys=True)
        assert first_a != first_b, name


@pytest.mark.parametrize("suite", SUITES_READY)
def test_every_case_checks(suite: str, backend: crypto.Backend) -> None:
    docs = _docs("test-seed-1", suite)
    context = {"identities": docs["identities.json"]} if "identities.json" in docs else None
    for name, doc in docs.items():
        report = check_document(doc, [backend], path=name, context=context)
        assert report.supported, report.problem
        assert [r for r in report.results if r.status != "pass"] == [], name
        cases = doc["cases"]
        assert any(c["result"] == "valid" for c in cases) and any(c["result"] == "invalid" for c in cases), name
        for c in cases:
            assert c["result"] in ("valid", "invalid")
            assert c["result"] == "valid" or c.get("error") or name == "crypto_ed25519.json", (name, c["tcId"])
            assert c["result"] == "valid" or c["flags"], (name, c["tcId"])
        assert [c["tcId"] for c in cases] == list(range(1, len(cases) + 1))


def test_headers_say_what_the_issue_asks() -> None:
    for name, doc in _docs("test-seed-1", "crypto").items():
        h = doc["header"]
        assert h["banner"] == BANNER and "NEVER FOR PRODUCTION" in h["banner"]
        assert h["seed"] == "test-seed-1" and h["generator_version"]
        assert h["command"] == "python -m refdidcomm vectors generate --seed test-seed-1 --suite crypto --backend both --out DIR"
        assert len(h["verified_against"]) == 2 and "HMAC_DRBG" in h["rng"]
        assert h["stream"] + ".json" == name


def test_a_suite_alone_equals_its_part_of_all() -> None:
    alone = _docs("test-seed-1", "crypto")
    whole = generate_documents("test-seed-1", suite="all", backend="both")
    for name in alone:
        assert alone[name]["cases"] == whole[name]["cases"]


def test_negatives_fail_with_their_error_class() -> None:
    # A negative whose expected class is changed no longer passes: the class is checked.
    doc = json.loads(json.dumps(_docs("test-seed-1", "crypto")["crypto_nacl_box.json"]))
    case = next(c for c in doc["cases"] if c.get("error") == "DecryptionError")
    case["error"] = "LowOrderPointError"
    report = check_document(doc, [crypto.backend("pure")])
    assert [r.tc_id for r in report.results if r.status == "fail"] == [case["tcId"]]


@pytest.mark.parametrize("kw", [dict(seed=""), dict(suite="nope"), dict(backend="fast")])
def test_bad_arguments(kw) -> None:
    args = dict(seed="s", suite="crypto", backend="pure")
    args.update(kw)
    with pytest.raises(UsageError):
        generate_documents(args.pop("seed"), **args)


def test_generate_writes_files_that_check(tmp_path: pathlib.Path) -> None:
    result = generate("s", str(tmp_path / "out"), suite="crypto", backend="pure")
    assert result.ok and len(result.files) == len(list((tmp_path / "out").glob("*.json")))
    again = generate("s", str(tmp_path / "again"), suite="crypto", backend="pure")
    for a, b in zip(result.files, again.files):
        assert pathlib.Path(a).read_bytes() == pathlib.Path(b).read_bytes()


def _cli(argv: list) -> int:
    parser = argparse.ArgumentParser()
    _cli_vectors.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_generate_then_check(tmp_path: pathlib.Path, capsys) -> None:
    out = str(tmp_path / "v")
    assert _cli(["vectors", "generate", "--seed", "cli seed", "--out", out, "--suite", "crypto"]) == 0
    text = capsys.readouterr().out
    assert "never for production" in text and "0 failed" in text
    doc = json.loads((tmp_path / "v" / "crypto_x25519.json").read_text())
    assert doc["header"]["command"].startswith("python -m refdidcomm vectors generate --seed 'cli seed' --suite crypto")
    assert _cli(["vectors", "check", "--quiet", "--backend", "pure", out]) == 0
    assert " 0 failed" in capsys.readouterr().out


def test_v2_file_needs_its_identities_file(tmp_path: pathlib.Path) -> None:
    docs = _docs("test-seed-1", "v2")
    report = check_document(docs["didcomm_v2_generated.json"], [crypto.backend("pure")])
    assert not report.ok and all(r.status == "fail" and "identities" in r.detail for r in report.results)
    # As files: found through header.identities next to it; missing -> every case fails with the reason.
    (tmp_path / "didcomm_v2_generated.json").write_bytes(dump(docs["didcomm_v2_generated.json"]))
    from refdidcomm.vectors import check_file

    missing = check_file(str(tmp_path / "didcomm_v2_generated.json"), [crypto.backend("pure")])
    assert missing.failed == len(docs["didcomm_v2_generated.json"]["cases"])
    assert "cannot read the identities file" in missing.results[0].detail


@pytest.mark.parametrize("suite", ["crypto", "jose", "v1"])
def test_native_generation_gives_the_same_cases(suite: str) -> None:
    try:
        crypto.backend("native")
    except BackendUnavailable as exc:
        pytest.skip(f"native backend unavailable: {exc}")
    pure = generate_documents("test-seed-1", suite=suite, backend="pure")
    native = generate_documents("test-seed-1", suite=suite, backend="native")
    for name in pure:
        assert pure[name]["cases"] == native[name]["cases"], name
        assert pure[name].get("keys") == native[name].get("keys"), name


def test_every_issue_family_is_present() -> None:
    flags = {f for docs in (_docs("test-seed-1", s) for s in SUITES_READY) for d in docs.values() for c in d["cases"] for f in c["flags"]}
    for family in ("ModifiedTag", "ModifiedIv", "ModifiedCiphertext", "ModifiedEncryptedKey", "ModifiedProtected", "WrongApv",
                   "WrongApu", "WrongSkid", "InvalidEpk", "LowOrderPoint", "Truncated", "WrongRecipient", "BadFromPriorSignature",
                   "SignerNotFrom", "Hops1", "Hops2", "Hops3", "ProtectSender", "MultiRecipient", "Ending"):
        assert family in flags, family


def test_unwritable_output_is_a_usage_error(tmp_path: pathlib.Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(UsageError):
        generate("s", str(blocker / "sub"), suite="crypto", backend="pure")
    assert _cli(["vectors", "generate", "--seed", "s", "--out", str(blocker / "sub"), "--suite", "crypto"]) == 1
    assert "error: cannot create" in capsys.readouterr().err


def test_oob_and_v2_suites_bring_their_identities() -> None:
    assert set(_docs("test-seed-1", "oob")) == {"identities.json", "oob_invitations.json"}
    assert set(_docs("test-seed-1", "v2")) == {"identities.json", "didcomm_v2_generated.json"}
    assert _docs("test-seed-1", "oob")["identities.json"]["cases"] == _docs("test-seed-1", "did")["identities.json"]["cases"]
