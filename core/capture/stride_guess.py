"""When the record walkers should bet on a run of equal-size records, and how far.

Checking a run with numpy costs a few tens of µs whatever its length, about as much as
stepping 50 records in Python; so a bet only pays when runs are long (RTP, synthetic
captures). Short runs make the walker wait for longer ones before betting again.
"""

from __future__ import annotations

RUN_START = 4  # equal sizes in a row before the first bet
MAX_NEED = 1024  # the longest streak ever waited for
FIRST_WINDOW = 64  # records checked by a first bet; doubles while bets keep winning
WORTH = 64  # a run at least this long paid for its numpy calls


class StrideGuess:
    """The betting state of one walk: ``need`` (streak to wait for) and ``window``."""

    def __init__(self) -> None:
        self.need = RUN_START
        self.window = FIRST_WINDOW

    def settle(self, taken: int, checked: int) -> None:
        """Learn from a bet that checked ``checked`` records and found ``taken`` good."""
        if taken >= WORTH:
            self.need = max(RUN_START, self.need // 2)
        elif taken < checked:
            self.need = min(self.need * 2, MAX_NEED)
        if taken < checked:
            self.window = FIRST_WINDOW
        elif checked == self.window:
            self.window *= 2
