"""Slot values per slot type, the values that lists are made of."""

from typing import Dict, Iterable, List

from .corpora import COORDINATING_SLOTS, Utterance, coordinator_offsets

# Longest slot value, in words, that goes into a list.
MAX_VALUE_WORDS = 6


class ValuePool:
    """Distinct slot values per slot type, drawn from a set of utterances.

    Values with a coordinator or a comma inside, or longer than
    MAX_VALUE_WORDS, are left out of lists (they read as several values);
    values with "and" inside one name are kept apart as `and_values`, for
    names-with-"and" negatives.

    utterances (Iterable[Utterance]): Where the values come from (one
        partition of the data, so that no value leaks across splits).
    """

    def __init__(self, utterances: Iterable[Utterance]) -> None:
        by_type: Dict[str, Dict[str, str]] = {}
        and_values: Dict[str, Dict[str, str]] = {}
        for utt in utterances:
            for slot, value in utt.slot_values():
                key = value.lower()
                if has_coordinator(value) and slot in COORDINATING_SLOTS:
                    continue
                if has_coordinator(value):
                    and_values.setdefault(slot, {}).setdefault(key, value)
                elif "," not in value and 0 < len(value.split()) <= MAX_VALUE_WORDS:
                    by_type.setdefault(slot, {}).setdefault(key, value)
        self.values: Dict[str, List[str]] = {k: sorted(v.values()) for k, v in sorted(by_type.items())}
        self.and_values: Dict[str, List[str]] = {k: sorted(v.values()) for k, v in sorted(and_values.items())}

    def size(self, slot: str) -> int:
        """How many distinct list values the slot type has."""
        return len(self.values.get(slot, []))


def has_coordinator(value: str) -> bool:
    """Whether a coordinator word stands in `value`."""
    return bool(coordinator_offsets(value))
