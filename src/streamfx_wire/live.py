"""The live connection `/api/ws`: message types, close codes, and the error codes
a client acts on. routes/ws.py in the server describes the whole protocol.
"""

from typing import Final

# -- Message `type`s a client sends ---------------------------------------------------------

AUTH: Final = "auth"  # first, with the access token or overlay key, and `since` to resume
PING: Final = "ping"
TRIGGER: Final = "trigger"  # access tokens only
# The OBS agent (docs/AGENT.md "Lease"), access tokens only: announce, then, as the lease
# holder, claim each activation before drawing it and report its delivery.
AGENT_HELLO: Final = "agent.hello"
CLAIM: Final = "claim"
DELIVERY: Final = "delivery"
# An overlay page (overlay key) started drawing an overlay-kind activation.
DRAWN: Final = "drawn"
# The lease holder saw an OBS event its creator's obs rules wait for (docs/AGENT.md
# "OBS events"): {event, scene?, input?, path?, at}.
AGENT_OBS_EVENT: Final = "agent.obsEvent"

# -- Message `type`s the server sends ----------------------------------------------------

READY: Final = "ready"  # the credential was accepted; `seq` is the creator's newest event
PONG: Final = "pong"
TRIGGERED: Final = "triggered"  # the answer to this connection's own trigger
ERROR: Final = "error"  # the HTTP error envelope, with the status HTTP would have answered
# To an agent's connection: whether it holds the drawing lease of its target (the answer
# to agent.hello, and again, with holder true, when a standby takes over).
AGENT_LEASE: Final = "agent.lease"
# To a lease holder: the OBS events its creator's enabled obs rules wait for, {events},
# after each agent.lease with holder true and whenever the creator's rules change.
AGENT_OBS_EVENTS: Final = "agent.obsEvents"
CLAIMED: Final = "claimed"  # the answer to claim: {activationId, ok}
DELIVERED: Final = "delivered"  # the answer to delivery: {activationId}
# Pushed to every connection of the creator, each with its `seq` (one more than the last):
EFFECT_TRIGGERED: Final = "effect.triggered"
SESSION_UPDATED: Final = "session.updated"
BRAND_KIT_UPDATED: Final = "brandKit.updated"
# An activation's delivery changed (docs/AGENT.md "Delivery record"): {activation}.
ACTIVATION_UPDATED: Final = "activation.updated"
CLEAR: Final = "clear"  # overlays empty the screen and every queue
# Pushed to the creator's own sign-ins only (access tokens), never to overlay pages:
# the creator's settings changed ({settings}: the active brand kit, say), and an effect
# was created, changed, given or freed a number key, or deleted ({effect, deleted?}).
SETTINGS_UPDATED: Final = "settings.updated"
EFFECT_UPDATED: Final = "effect.updated"
CONTROL_ONLY_EVENTS: Final = frozenset({SETTINGS_UPDATED, EFFECT_UPDATED})
# The holder of a target's lease changed: {state: "drawing" | "down", agentId?, target}.
AGENT_STATUS: Final = "agent.status"
# Sent after `ready` when the `since` given cannot be resumed from (the log no longer
# holds the events after it): reload the state over HTTP.
RESYNC: Final = "resync"

# The events an agent reports (`agent.obsEvent`'s `event`), as obs rules name them
# (docs/RULES.md "Triggers").
OBS_EVENTS: Final = (
    "sceneChanged",
    "streamStarted",
    "streamStopped",
    "recordingStarted",
    "recordingStopped",
    "replaySaved",
    "mediaEnded",
)

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
# Another connection said agent.hello with this connection's agentId and target: the
# newer one (an agent that reconnected) took its place. Do not reconnect with that id.
CLOSE_AGENT_REPLACED: Final = 4409

# -- Error codes ----------------------------------------------------------------------------

INVALID_TOKEN: Final = "invalid_token"
TOKEN_EXPIRED: Final = "token_expired"
SESSION_REVOKED: Final = "session_revoked"  # the sign-in was ended (logout, reused refresh)
INVALID_OVERLAY_KEY: Final = "invalid_overlay_key"
OVERLAY_KEY_ROTATED: Final = "overlay_key_rotated"
# claim or delivery from a connection that does not hold a drawing lease.
NOT_LEASE_HOLDER: Final = "not_lease_holder"
AGENT_REPLACED: Final = "agent_replaced"
# The access token was refused: refresh it and connect again (the refresh fails in turn
# when the sign-in itself was ended).
TOKEN_REFUSED: Final = (INVALID_TOKEN, TOKEN_EXPIRED, SESSION_REVOKED)
