"""Times in the consent ledger: UTC, compared as integer microseconds."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from ..errors import WorkbenchError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(minutes=5)  # clocks on a workshop's phones and laptop disagree a little


def to_datetime(value) -> datetime:
    """A time as an aware UTC datetime: datetime (naive = UTC), date (midnight UTC), ISO text, pandas Timestamp."""
    if value is None:
        return datetime.now(UTC)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+05:00 is before the calendar's first day in UTC
            raise WorkbenchError(f"{value.isoformat()!r} is outside the calendar once moved to UTC.",
                                 "Write dates as YYYY-MM-DD.", key="consent.error.bad_date",
                                 value=value.isoformat()) from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise WorkbenchError(f"{value!r} is not a date.", "Write dates as YYYY-MM-DD.",
                                 key="consent.error.bad_date", value=value) from None
        return to_datetime(parsed)
    raise WorkbenchError(f"{value!r} is not a date or time.", "Pass a date, a datetime or YYYY-MM-DD text.")


def to_us(value) -> int:
    """Microseconds since 1970 (UTC): exact, and cheap to compare in numpy."""
    if type(value) is str:  # the log's ISO times: the fast path of a fold
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            dt = to_datetime(value)
        delta = (dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)) - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    delta = to_datetime(value) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


def iso(value) -> str:
    return to_datetime(value).isoformat(timespec="microseconds")


def add_months(value, months: int) -> datetime:
    """Calendar months later, the day clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    dt = to_datetime(value)
    index = dt.month - 1 + months
    year, month = dt.year + index // 12, index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


def not_in_future(value, now=None) -> datetime:
    dt = to_datetime(value)
    if dt > to_datetime(now) + FUTURE_SKEW:
        raise WorkbenchError(f"The date {dt.date().isoformat()} is in the future.",
                             "Use the date the person actually decided.",
                             key="consent.error.future_date", date=dt.date().isoformat())
    return dt
