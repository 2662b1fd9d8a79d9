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


def test_reserve_counts_attempts_before_their_outcome_and_release_takes_one_back():
    now = [1000.0]
    limiter = FailureLimiter(limit=5, window=60, clock=lambda: now[0])
    # Twenty attempts at once: only five are let through to be checked.
    answers = [limiter.reserve("email:a") for _ in range(20)]
    assert answers[:5] == [0] * 5
    assert all(wait == 60 for wait in answers[5:])
    # One of the five turned out well (or was never checked): its turn comes back.
    limiter.release("email:a")
    assert limiter.reserve("email:a") == 0
    assert limiter.reserve("email:a") == 60
    now[0] += 61
    assert limiter.reserve("email:a") == 0
    limiter.release("email:b")  # nothing to take back: no error, nothing counted
    assert limiter.retry_after("email:b") == 0
