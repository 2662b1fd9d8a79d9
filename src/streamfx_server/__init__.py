"""StreamFX server: accounts, brand kits, sessions and effects over HTTP and WebSocket."""

__version__ = "0.1.0"
