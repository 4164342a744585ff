"""The seal's refusals: Chinese messages, one kind each (shown as they are by pages and the API)."""

from reviews.errors import TransitionError


class SealError(TransitionError):
    """A refused seal action (not city staff, not ready, already sealed…)."""
