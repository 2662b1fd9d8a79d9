"""Infrastructure: storage, settings, HTTP guards, logging, ids, tokens, passwords, rate limits, fan-out.

Nothing here knows about creators, kits, sessions or effects; the domain modules build on it.
"""
