"""The timing loop the bench scripts share (standard library only).

Imported by the scripts next to this file (``python bench/jose.py`` puts
this folder first on ``sys.path``).
"""

from __future__ import annotations

import time
from typing import Callable, Tuple

__all__ = ["timed"]


def timed(fn: Callable[[], object], min_time: float, max_iterations: int, repeat: int = 1) -> Tuple[int, float]:
    """Best of ``repeat`` rounds, each running ``fn`` until ``min_time`` has passed (at least once).

    Other processes can only add time, so the best round is the closest to
    the cost of ``fn`` itself.

    Args:
        fn: what to time. min_time: seconds per round. max_iterations: calls per round at most.
        repeat: rounds.
    Returns:
        (iterations of the best round, seconds per call in it).
    """
    best: Tuple[int, float] = (0, float("inf"))
    for _ in range(repeat):
        iterations = 0
        start = time.perf_counter()
        elapsed = 0.0
        while iterations < max_iterations and (iterations == 0 or elapsed < min_time):
            fn()
            iterations += 1
            elapsed = time.perf_counter() - start
        if elapsed / iterations < best[1]:
            best = (iterations, elapsed / iterations)
    return best
