"""An experiment's trial history as a search reads it: before every proposal, and cheaply
however long it has grown.

A search asks for its history before every proposal. Copying a list of 100,000 trial records
each time would make every trial cost more than the one before, so storages keep each
experiment's records in one list that only grows (a trial that changes is replaced where it
stands) and hand out views of it (``TrialHistory``): a view sees the trials that existed when
it was taken, each as it is now. Lists are still what ``Storage.trials`` returns; views serve
the search's hot path.

What reads the history on every proposal keeps running results and reads only what is new:
``EveryTrial`` hands out each trial once, ``FinishedFeed`` each trial once it has finished.
Both notice a history that is not the continuation of the last one they read, and start over.

>>> from netsynth.trial_record import TrialRecord, TrialState
>>> records = [TrialRecord(id=i + 1, experiment_id=1, number=i, state=TrialState.COMPLETE)
...            for i in range(3)]
>>> view = TrialHistory(records)
>>> records.append(TrialRecord(id=4, experiment_id=1, number=3, state=TrialState.RUNNING))
>>> len(view), view[-1].number, [t.number for t in view[1:]]
(3, 2, [1, 2])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from netsynth.trial_record import TrialRecord, TrialState


class TrialHistory(Sequence[TrialRecord]):
    """The first ``len(records)`` (at the time of the call) records of a list that only grows;
    slicing gives a list."""

    __slots__ = ("_length", "_records")

    def __init__(self, records: list[TrialRecord]) -> None:
        self._records = records
        self._length = len(records)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> TrialRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[TrialRecord]: ...

    def __getitem__(self, index: int | slice) -> TrialRecord | list[TrialRecord]:
        if isinstance(index, slice):  # only the slice's records: never a copy of them all
            records = self._records
            return [records[i] for i in range(*index.indices(self._length))]
        if not -self._length <= index < self._length:
            raise IndexError(f"trial index {index} out of range for {self._length} trials")
        return self._records[index + self._length if index < 0 else index]

    def __iter__(self) -> Iterator[TrialRecord]:
        records = self._records
        for index in range(self._length):
            yield records[index]

    def __repr__(self) -> str:
        return f"TrialHistory({self._length} trials)"


def _identity(trial: TrialRecord) -> tuple[int, int, float]:
    """What tells one stored trial from any other, even one of another storage whose ids
    repeat these: its id, its experiment's and when it was created."""
    return (trial.id, trial.experiment_id, trial.created_at)


class _Cursor:
    """A position in a history that only grows, and the trial just before it, so a history
    that does not continue the one read before (another experiment's, a shortened one) is
    noticed and read from the start."""

    def __init__(self) -> None:
        self._position = 0
        self._last: tuple[int, int, float] | None = None

    def _continues(self, history: Sequence[TrialRecord]) -> bool:
        position = self._position
        return position == 0 or (
            position <= len(history) and _identity(history[position - 1]) == self._last
        )

    def _advance(self, history: Sequence[TrialRecord], position: int) -> None:
        self._position = position
        self._last = _identity(history[position - 1]) if position else None


class EveryTrial(_Cursor):
    """Hands out each trial of a growing history once, in order, whatever its state.

    >>> from netsynth.trial_record import TrialRecord, TrialState
    >>> trials = [TrialRecord(id=i + 1, experiment_id=1, number=i, state=TrialState.RUNNING)
    ...           for i in range(3)]
    >>> feed = EveryTrial()
    >>> [t.number for t in feed.fresh(trials[:2])], [t.number for t in feed.fresh(trials)]
    ([0, 1], [2])
    >>> feed.restarted
    False
    """

    def __init__(self) -> None:
        super().__init__()
        self.restarted = False  # the last call found a history that does not continue

    def fresh(self, history: Sequence[TrialRecord]) -> list[TrialRecord]:
        self.restarted = not self._continues(history)
        start = 0 if self.restarted else self._position
        self._advance(history, len(history))
        return list(history[start:]) if start < len(history) else []


class FinishedFeed(_Cursor):
    """Hands out each finished trial of a history (ordered by number) exactly once.

    Trials before the frontier have all finished and been handed out, so each call only
    looks at the running trials and those after them. ``running`` is how many were running
    at the last call."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[int] = set()
        self.running = 0

    def fresh(self, history: Sequence[TrialRecord]) -> list[TrialRecord]:
        if not self._continues(history):
            self._advance(history, 0)
        fresh: list[TrialRecord] = []
        running = 0
        contiguous = True
        frontier = self._position
        for index in range(self._position, len(history)):
            trial = history[index]
            if trial.state is TrialState.RUNNING:
                running += 1
                contiguous = False
                continue
            if contiguous:
                frontier = index + 1
            if trial.id not in self._seen:
                self._seen.add(trial.id)
                fresh.append(trial)
        self._advance(history, frontier)
        self.running = running
        return fresh


__all__ = ["EveryTrial", "FinishedFeed", "TrialHistory"]
