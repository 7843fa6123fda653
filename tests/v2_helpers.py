"""Shared fixtures for the DIDComm v2 tests: key sets from vectors/didcomm_v2_keys.json and seeded rngs."""

from __future__ import annotations

import hashlib
from typing import Callable, Dict

from conftest import load_vectors
from refdidcomm import v2
from refdidcomm._counter_rng import sha256_counter_rng, shake256_counter_rng
from refdidcomm.jwk import JWK

KEYS = load_vectors("didcomm_v2_keys")


def secrets(key_set: str, *who: str) -> Dict[str, JWK]:
    out: Dict[str, JWK] = {}
    for name in who:
        out.update({s["kid"]: JWK.from_dict(s) for s in KEYS["secrets"][key_set][name]})
    return out


def resolver(*key_sets: str) -> v2.DIDResolver:
    docs = {}
    for key_set in key_sets:
        for doc in KEYS["did_docs"][key_set]:
            docs.setdefault(doc["id"], doc)
    return v2.make_resolver(docs.values())


def seeded(seed: bytes) -> Callable[[int], bytes]:
    """A deterministic rng: SHAKE-256(seed || counter), one call per draw, counter from 1."""
    return shake256_counter_rng(seed, first=1)


def label_rng(label: str) -> Callable[[int], bytes]:
    """didcomm_v2_forward.json's rng: SHA-256(SHA-256(label) || counter64) blocks."""
    return sha256_counter_rng(hashlib.sha256(label.encode("utf-8")).digest())


def message(**kw) -> v2.Message:
    fields = dict(
        id="1234567890",
        type="https://example.com/protocols/lets_do_lunch/1.0/proposal",
        from_="did:example:alice",
        to=["did:example:bob"],
        created_time=1516269022,
        expires_time=1516385931,
        body={"messagespecificattribute": "and its value"},
    )
    fields.update(kw)
    return v2.Message(**fields)
