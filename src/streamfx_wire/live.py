"""The live connection `/api/ws`: message types, close codes, and the error codes
a client acts on. routes/ws.py in the server describes the whole protocol.
"""

from typing import Final

# -- Message `type`s a client sends ---------------------------------------------------------

AUTH: Final = "auth"  # first, with the access token or overlay key, and `since` to resume
PING: Final = "ping"
TRIGGER: Final = "trigger"  # access tokens only

# -- Message `type`s the server sends ----------------------------------------------------

READY: Final = "ready"  # the credential was accepted; `seq` is the creator's newest event
PONG: Final = "pong"
TRIGGERED: Final = "triggered"  # the answer to this connection's own trigger
ERROR: Final = "error"  # the HTTP error envelope, with the status HTTP would have answered
# Pushed to every connection of the creator, each with its `seq` (one more than the last):
EFFECT_TRIGGERED: Final = "effect.triggered"
SESSION_UPDATED: Final = "session.updated"
BRAND_KIT_UPDATED: Final = "brandKit.updated"
# An activation's delivery changed (docs/AGENT.md "Delivery record"): {activation}.
ACTIVATION_UPDATED: Final = "activation.updated"
CLEAR: Final = "clear"  # overlays empty the screen and every queue
# Sent after `ready` when the `since` given cannot be resumed from (the log no longer
# holds the events after it): reload the state over HTTP.
RESYNC: Final = "resync"

# -- Close codes ----------------------------------------------------------------------
# A refused handshake (a foreign Origin or Host) is an HTTP 403 before the socket
# opens, never a close code.

# The credential is missing, wrong or expired, its sign-in was ended, or the overlay
# key was replaced; the reason is the error code. The same credential will not work
# again: a panel refreshes its token first, an overlay page stops.
CLOSE_UNAUTHORIZED: Final = 4401
# The client read too slowly and was dropped; it may reconnect at once.
CLOSE_TOO_SLOW: Final = 1013
# The server ended the connection for another reason (its sends to it failed, say).
CLOSE_GOING_AWAY: Final = 1001

# -- Error codes ----------------------------------------------------------------------------

INVALID_TOKEN: Final = "invalid_token"
TOKEN_EXPIRED: Final = "token_expired"
SESSION_REVOKED: Final = "session_revoked"  # the sign-in was ended (logout, reused refresh)
INVALID_OVERLAY_KEY: Final = "invalid_overlay_key"
OVERLAY_KEY_ROTATED: Final = "overlay_key_rotated"
# The access token was refused: refresh it and connect again (the refresh fails in turn
# when the sign-in itself was ended).
TOKEN_REFUSED: Final = (INVALID_TOKEN, TOKEN_EXPIRED, SESSION_REVOKED)
