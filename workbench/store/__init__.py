"""The project's append-only, hash-chained event log."""

from ._chain import GENESIS, Event, canonical_json, event_hash
from ._sql import EventStore, VerifyResult, utc_now

__all__ = ["GENESIS", "Event", "EventStore", "VerifyResult", "canonical_json", "event_hash", "utc_now"]
