from __future__ import annotations

from datetime import date

from shared.domain.errors import InvalidInput

# Predictions look a year back and weeks ahead of their date: business dates, not the calendar's ends.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class AsOfOutOfRange(InvalidInput):
    """A prediction asked as of a date outside FIRST_DAY–LAST_DAY."""

    @classmethod
    def of(cls, as_of: date) -> AsOfOutOfRange:
        return cls.at("/as_of", f"{as_of} is not between {FIRST_DAY} and {LAST_DAY}")
