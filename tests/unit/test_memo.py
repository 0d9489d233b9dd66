"""`rules.base.Memo`: what a rule context works out once, keyed on an argument's identity or, with
`by_value`, on its value (equal copies, as each account of a snapshot read from JSON holds)."""

from __future__ import annotations

from cloudwarden.rules.base import Memo


class Counted:
    """A function that counts its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, prefixes: tuple[str, ...]) -> int:
        self.calls.append(prefixes)
        return len(prefixes)


PREFIXES = ("52.94.76.0/22", "54.239.0.0/17")


def copy_of(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """An equal tuple that is another object (`tuple(t)` would return `t` itself)."""
    copy = tuple(list(prefixes))
    assert copy is not prefixes
    return copy


def test_the_identity_memo_works_out_an_equal_copy_again() -> None:
    memo, count = Memo(), Counted()
    assert memo(count, PREFIXES) == 2
    assert memo(count, PREFIXES) == 2
    assert memo(count, copy_of(PREFIXES)) == 2
    assert len(count.calls) == 2


def test_by_value_works_out_equal_copies_once() -> None:
    memo, count = Memo(), Counted()
    assert memo.by_value(count, PREFIXES) == 2
    assert memo.by_value(count, copy_of(PREFIXES)) == 2
    assert count.calls == [PREFIXES]


def test_by_value_keeps_different_values_and_functions_apart() -> None:
    memo, count, other = Memo(), Counted(), Counted()
    memo.by_value(count, PREFIXES)
    memo.by_value(count, PREFIXES[:1])
    memo.by_value(other, PREFIXES)
    assert count.calls == [PREFIXES, PREFIXES[:1]]
    assert other.calls == [PREFIXES]


def test_by_value_remembers_a_falsy_value() -> None:
    memo, count = Memo(), Counted()
    assert memo.by_value(count, ()) == 0
    assert memo.by_value(count, ()) == 0
    assert count.calls == [()]


def test_clear_forgets_the_values_of_both_keys() -> None:
    memo, count = Memo(), Counted()
    memo(count, PREFIXES)
    memo.by_value(count, PREFIXES)
    memo.clear()
    memo(count, PREFIXES)
    memo.by_value(count, PREFIXES)
    assert len(count.calls) == 4
