"""The per-key token bucket, on a clock the test moves."""

from __future__ import annotations

from services.credit_api.access.api_keys.service import RateLimiter


def test_a_burst_then_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.wait("k") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]  # the 4th waits half a second
    assert limiter.wait("other") == 0.0  # each key its own bucket
    now[0] = 0.5
    assert limiter.wait("k") == 0.0  # one token back after 1/rate seconds
    assert limiter.wait("k") == 0.5
    now[0] = 100.0
    assert [limiter.wait("k") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]  # refilled up to the burst only
