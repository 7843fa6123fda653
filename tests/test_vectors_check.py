"""``vectors check``: the project's own vector files run through it, on both backends.

Files whose case shapes the checker knows must pass every case; the others
must be reported as unsupported, never as passing. Tampered copies must fail.
"""

from __future__ import annotations

import argparse
import copy
import json
import pathlib

import pytest

from conftest import VECTORS
from refdidcomm import _cli_vectors, crypto
from refdidcomm.vectors import check_document, check_file, error_class, known_schemas

SUPPORTED = [
    "aes_gcm", "sp800_38a_cbc", "rfc3394_aes_keywrap", "fips197_aes", "rfc7748_x25519", "rfc8032_ed25519",
    "rfc8439_chacha20poly1305", "xchacha20poly1305", "nacl_box", "jose_aes_cbc_hmac_sha2", "jose_ecdh",
    "jose_jwk", "jose_jws", "jose_jwe", "didcomm_v1_envelopes", "didcomm_v1_forward", "oob_invitations",
    "jose_concat_kdf", "ec_points", "ecdsa_rfc6979", "didcomm_appendix_c",
    "didcomm_v2_spec_appendix_c", "didcomm_v2_sicpa_python", "didcomm_v2_sicpa_rust", "didcomm_v2_seeded", "did_key",
    "codecs", "oob_encode", "oob_services", "did_peer",
    "did_documents", "qr", "coprotocol_messages", "didcomm_v2_forward",
]
#: Files with keys and documents but no cases: check reports them, it has nothing to run.
KEY_FILES = ["didcomm_v2_keys"]


def _load(name: str) -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", SUPPORTED)
def test_project_file_passes(name: str, backend: crypto.Backend) -> None:
    report = check_file(str(VECTORS / f"{name}.json"), [backend])
    assert report.supported and not report.problem
    failures = [r for r in report.results if r.status == "fail"]
    assert failures == []
    assert report.passed >= len(_load(name)["cases"]) - report.skipped
    assert report.ok


def test_no_project_file_is_unsupported() -> None:
    """Every vector file of the project has a runner; only key files have no cases to run."""
    names = sorted(path.stem for path in VECTORS.glob("*.json"))
    assert sorted(set(names) - set(KEY_FILES)) == sorted(SUPPORTED)
    for name in names:
        doc = _load(name)
        schema = doc["header"].get("schema", doc["header"]["name"])
        if name in KEY_FILES:
            assert "cases" not in doc and schema not in known_schemas()
            report = check_document(doc, [crypto.backend("pure")], path=name)
            assert not report.ok and report.results == []
            assert report.problem == "unsupported file: it has no cases (a key or data file, not vectors)"
        else:
            assert schema in known_schemas(), name


def test_an_unknown_schema_is_reported_unsupported() -> None:
    doc = _load("qr")
    doc["header"]["name"] = "qr_v9"
    report = check_document(doc, [crypto.backend("pure")])
    assert not report.supported and not report.ok and report.results == []
    assert report.problem == "unsupported file: schema 'qr_v9' is not one check knows"


def test_supported_list_is_known() -> None:
    assert set(SUPPORTED) <= set(known_schemas())


def _first(doc: dict, **want) -> dict:
    return next(c for c in doc["cases"] if all(c.get(k) == v for k, v in want.items()))


def test_a_wrong_expected_output_fails() -> None:
    doc = _load("aes_gcm")
    case = _first(doc, result="valid")
    case["tag"] = ("0" if case["tag"][0] != "0" else "1") + case["tag"][1:]
    report = check_document(doc, [crypto.backend("pure")])
    fails = [r for r in report.results if r.status == "fail"]
    assert [r.tc_id for r in fails] == [case["tcId"]] and not report.ok


def test_a_wrong_error_class_fails() -> None:
    doc = _load("nacl_box")
    case = _first(doc, op="box_open")
    case["error"] = "LowOrderPointError"
    report = check_document(doc, [crypto.backend("pure")])
    fail = next(r for r in report.results if r.status == "fail")
    assert fail.tc_id == case["tcId"] and "expected LowOrderPointError" in fail.detail


def test_an_invalid_case_that_succeeds_fails() -> None:
    doc = _load("rfc3394_aes_keywrap")
    valid = _first(doc, result="valid")
    bad = copy.deepcopy(valid)
    bad.update(tcId=999, result="invalid", error="DecryptionError")
    doc["cases"] = [valid, bad]
    report = check_document(doc, [crypto.backend("pure")])
    assert [(r.tc_id, r.status) for r in report.results] == [(valid["tcId"], "pass"), (999, "fail")]
    assert "succeeded" in report.results[1].detail


def test_a_mismatched_field_fails() -> None:
    doc = _load("didcomm_v1_envelopes")
    case = next(c for c in doc["cases"] if c["result"] == "invalid" and "field" in c)
    case["field"] = "not-the-field"
    doc["cases"] = [case]
    report = check_document(doc, [crypto.backend("pure")])
    assert report.results[0].status == "fail" and "field" in report.results[0].detail


def test_recorded_randomness_must_reproduce_the_output() -> None:
    doc = _load("jose_jwe")
    case = next(c for c in doc["cases"] if "seed" in c)
    case["seed"] = "00" * 16
    doc["cases"] = [case]
    report = check_document(doc, [crypto.backend("pure")])
    assert report.results[0].status == "fail" and "re-encrypted" in report.results[0].detail


def test_unknown_schema_and_broken_files(tmp_path: pathlib.Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"header": {"name": "mystery"}, "cases": [{"tcId": 1, "result": "valid"}]}))
    (tmp_path / "y.json").write_text("{not json")
    (tmp_path / "z.json").write_text(json.dumps([1, 2]))
    be = [crypto.backend("pure")]
    for name, text in (("x", "unsupported file: schema 'mystery'"), ("y", "not a JSON vector file"), ("z", "unsupported file")):
        report = check_file(str(tmp_path / f"{name}.json"), be)
        assert not report.ok and report.problem.startswith(text)
    missing = check_file(str(tmp_path / "absent.json"), be)
    assert not missing.ok and missing.problem.startswith("cannot read")


def test_a_key_file_is_reported_as_no_vectors() -> None:
    report = check_file(str(VECTORS / "didcomm_v2_keys.json"), [crypto.backend("pure")])
    assert not report.ok and "no cases" in report.problem


def test_published_v2_files_need_the_keys_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "didcomm_v2_spec_appendix_c.json").write_text((VECTORS / "didcomm_v2_spec_appendix_c.json").read_text())
    report = check_file(str(tmp_path / "didcomm_v2_spec_appendix_c.json"), [crypto.backend("pure")])
    assert not report.ok and report.failed == len(_load("didcomm_v2_spec_appendix_c")["cases"])
    assert "didcomm_v2_keys.json" in report.results[0].detail


def test_malformed_case_fails_not_crashes() -> None:
    doc = _load("aes_gcm")
    doc["cases"] = [{"tcId": 1, "result": "valid", "key": "00"}, {"tcId": 2, "result": "maybe"}]
    report = check_document(doc, [crypto.backend("pure")])
    assert [r.status for r in report.results] == ["fail", "fail"]


def test_slow_cases_are_skipped_with_a_reason() -> None:
    doc = _load("rfc7748_x25519")
    report = check_document(doc, [crypto.backend("pure")])
    skips = [r for r in report.results if r.status == "skip"]
    assert skips and all("slow" in r.detail for r in skips)


def test_error_class_names() -> None:
    assert error_class("DecryptionError").__name__ == "DecryptionError"
    assert error_class("KeyNotFound").__name__ == "KeyNotFound"
    assert error_class("DIDNotFound").__name__ == "DIDNotFound"
    with pytest.raises(ValueError):
        error_class("NoSuchError")


def _cli(argv: list) -> int:
    parser = argparse.ArgumentParser()
    _cli_vectors.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_check_passes_and_prints_each_case(capsys) -> None:
    assert _cli(["vectors", "check", "--backend", "pure", str(VECTORS / "aes_gcm.json")]) == 0
    out = capsys.readouterr().out
    assert out.count("ok   ") == len(_load("aes_gcm")["cases"])
    assert "summary: 1 files (0 unsupported or unreadable, 0 data only), 22 passed, 0 failed, 0 skipped" in out


def test_cli_check_fails_on_unsupported_and_on_failures(tmp_path: pathlib.Path, capsys) -> None:
    doc = _load("qr")
    doc["header"]["name"] = "qr_v9"
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(doc))
    assert _cli(["vectors", "check", "--backend", "pure", str(unknown)]) == 1
    assert "unsupported file" in capsys.readouterr().out
    doc = _load("aes_gcm")
    _first(doc, result="valid")["ct"] = "00"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert _cli(["vectors", "check", "--quiet", "--backend", "pure", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "ok   " not in out


def test_cli_check_directory(tmp_path: pathlib.Path, capsys) -> None:
    for name in ("aes_gcm", "rfc3394_aes_keywrap"):
        (tmp_path / f"{name}.json").write_text((VECTORS / f"{name}.json").read_text())
    (tmp_path / "README.md").write_text("not a vector file")
    assert _cli(["vectors", "check", "--quiet", "--backend", "pure", str(tmp_path)]) == 0
    assert "summary: 2 files" in capsys.readouterr().out


def test_cli_check_native_unavailable_is_a_usage_error(monkeypatch, capsys) -> None:
    from refdidcomm.errors import BackendUnavailable

    def unavailable(name: str):
        raise BackendUnavailable("not here")

    monkeypatch.setattr(_cli_vectors.crypto, "backend", unavailable)
    assert _cli(["vectors", "check", "--backend", "native", str(VECTORS / "aes_gcm.json")]) == 2
    assert "not here" in capsys.readouterr().err


# -- the runners of did_documents, qr, coprotocol_messages, didcomm_v2_forward fail on tampering


def _only(doc: dict, case: dict) -> list:
    doc["cases"] = [case]
    return check_document(doc, [crypto.backend("pure")]).results


def test_did_documents_runner_checks_outputs_and_errors() -> None:
    doc = _load("did_documents")
    case = _first(doc, op="did_url", result="valid")
    case["fragment"] = "not-the-fragment"
    [got] = _only(doc, case)
    assert got.status == "fail" and "parts" in got.detail
    doc = _load("did_documents")
    case = _first(doc, op="key_of", result="invalid")
    case["reason"] = "a reason the library never gives"
    [got] = _only(doc, case)
    assert got.status == "fail" and "expected a message containing" in got.detail
    doc = _load("did_documents")
    case = _first(doc, op="services", result="invalid")
    case["error"] = "DecryptionError"
    [got] = _only(doc, case)
    assert got.status == "fail" and "expected DecryptionError" in got.detail


def test_qr_runner_checks_known_answers() -> None:
    doc = _load("qr")
    case = _first(doc, op="format_information")
    case["bits"] = ("1" if case["bits"][0] == "0" else "0") + case["bits"][1:]
    [got] = _only(doc, case)
    assert got.status == "fail" and "bits" in got.detail
    doc = _load("qr")
    case = _first(doc, op="capacity")
    case["byte"] -= 1  # one less than Table 7: one more would still fit
    [got] = _only(doc, case)
    assert got.status == "fail" and "do not fit" in got.detail
    doc = _load("qr")
    case = _first(doc, op="encode", result="invalid")
    case.update(payload={"repeat_utf8": "a", "count": 10}, expected_mode="byte")
    [got] = _only(doc, case)
    assert got.status == "fail"


def test_coprotocol_runner_checks_each_kind() -> None:
    doc = _load("coprotocol_messages")
    case = _first(doc, kind="message", result="invalid")
    case["field"] = "not-the-field"
    [got] = _only(doc, case)
    assert got.status == "fail" and "field" in got.detail
    doc = _load("coprotocol_messages")
    case = _first(doc, kind="walkthrough")
    case["seed"] = "another seed"
    [got] = _only(doc, case)
    assert got.status == "fail" and "transcript" in got.detail
    doc = _load("coprotocol_messages")
    case = _first(doc, kind="selection", result="valid")
    case["result"] = "invalid"  # it matches, so it is not a no-match case
    [got] = _only(doc, case)
    assert got.status == "fail" and "no match" in got.detail
    doc = _load("coprotocol_messages")
    case = _first(doc, kind="receive", result="invalid")
    case["steps"][-1]["rejected"] = None
    [got] = _only(doc, case)
    assert got.status == "fail" and "rejected" in got.detail


def test_v2_forward_runner_reproduces_and_peels() -> None:
    doc = _load("didcomm_v2_forward")
    case = _first(doc, operation="wrap", result="valid")
    case["hops"][0]["next"] = "did:example:mallory"
    [got] = _only(doc, case)
    assert got.status == "fail" and "hop 0 next" in got.detail
    doc = _load("didcomm_v2_forward")
    case = _first(doc, operation="wrap", result="valid")
    case["tcId"] = 999  # the rng is seeded by tcId: other draws, other bytes
    [got] = _only(doc, case)
    assert got.status == "fail" and "re-encrypted" in got.detail
    doc = _load("didcomm_v2_forward")
    case = next(c for c in doc["cases"] if c["operation"] == "unwrap" and c.get("error_field"))
    case["error_field"] = "body"
    [got] = _only(doc, case)
    assert got.status == "fail" and "field" in got.detail
    doc = _load("didcomm_v2_forward")
    case = _first(doc, operation="wrap", result="invalid")
    case["error_contains"] = "something else"
    [got] = _only(doc, case)
    assert got.status == "fail"


def test_cli_folder_with_a_data_only_file_exits_zero_and_a_lone_data_file_fails(tmp_path, capsys) -> None:
    """A key file is listed, not failed, among vectors; checked alone, nothing ran: exit 1."""
    import json as _json_mod
    import shutil

    from refdidcomm.cli import main
    from conftest import VECTORS

    shutil.copy(VECTORS / "didcomm_v2_keys.json", tmp_path / "keys.json")
    shutil.copy(VECTORS / "rfc3394_aes_keywrap.json", tmp_path / "kw.json")
    assert main(["vectors", "check", "--quiet", "--backend", "pure", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "data " in out and "1 data only" in out
    assert main(["vectors", "check", "--quiet", "--backend", "pure", str(tmp_path / "keys.json")]) == 1
    # A file that merely lacks "cases" by mistake, alone, is not a silent pass either.
    (tmp_path / "typo.json").write_text(_json_mod.dumps({"header": {"name": "x"}, "case": []}))
    assert main(["vectors", "check", "--quiet", "--backend", "pure", str(tmp_path / "typo.json")]) == 1
