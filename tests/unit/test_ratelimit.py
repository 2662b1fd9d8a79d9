from streamfx_server.infra.ratelimit import FailureLimiter


def test_limiter_blocks_after_limit_and_forgets_after_window():
    now = [1000.0]
    limiter = FailureLimiter(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("a") == 0
        limiter.record_failure("a")
    assert limiter.retry_after("a") == 60
    assert limiter.retry_after("b") == 0
    now[0] += 30
    assert limiter.retry_after("a") == 30
    now[0] += 31
    assert limiter.retry_after("a") == 0
    limiter.record_failure("a")
    limiter.reset("a")
    assert limiter.retry_after("a") == 0
