"""Shared fixtures for the RFC 0482 coprotocol tests: the payment bind's fields and a settable clock."""

from __future__ import annotations

from refdidcomm._rfc0482_demo import DEMO_CLOCK
from refdidcomm.coprotocol import Cast

GOAL = "aries.buy.make-payment"
CAST = [Cast("payee", None), Cast("payer", "did:peer:abc123")]
INVOKE = {"amount": 1.23, "currency": "INR", "bill_of_sale": "one chai"}


class Clock:
    """A clock (UTC epoch seconds) that stands still until a test moves ``now``."""

    def __init__(self, now: float = DEMO_CLOCK) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
