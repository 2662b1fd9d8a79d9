"""Rules: effects fired by a timer, a session's changes, OBS events or a signed webhook
(docs/RULES.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import rules
from ..deps import CurrentCreator, State
from ..rules import HookSecretOut, RuleCreate, RuleCreated, RuleOut, RuleUpdate
from .ws_obs_events import rules_changed

router = APIRouter(prefix="/api/rules", tags=["rules"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such rule, or it belongs to someone else"}
}
_BAD_RULE: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Every problem in details: an unknown effect, a placeholder the "
        "trigger does not provide, params the effect does not take"
    }
}


@router.post(
    "",
    status_code=201,
    response_model=RuleCreated,
    responses={403: {"description": "The tier's rule limit is reached"}, **_BAD_RULE},
)
def create_rule(
    body: RuleCreate, creator: CurrentCreator, state: State, response: Response
) -> RuleCreated:
    """Make a rule. A webhook rule's answer holds its `secret`, and only this answer does."""
    with state.db.write() as conn:
        created = rules.add(conn, creator, body, state.hook_secrets, state.settings.clock.now())
    rules_changed(state, creator.id)  # the agent may watch other OBS events now
    if created.secret is not None:
        response.headers["Cache-Control"] = "no-store"
    return created


@router.get("", response_model=list[RuleOut])
def list_rules(creator: CurrentCreator, state: State) -> list[RuleOut]:
    """Your rules, oldest first, each with its last firing and the last time it did not fire."""
    return rules.listing(state.db.conn(), creator.id)


@router.get("/{rule_id}", response_model=RuleOut, responses=_NOT_YOURS)
def get_rule(rule_id: str, creator: CurrentCreator, state: State) -> RuleOut:
    return rules.rule_out(rules.fetch(state.db.conn(), creator.id, rule_id))


@router.put("/{rule_id}", response_model=RuleOut, responses={**_NOT_YOURS, **_BAD_RULE})
def update_rule(rule_id: str, body: RuleUpdate, creator: CurrentCreator, state: State) -> RuleOut:
    """Change the fields given (`enabled` switches it on or off); the trigger's type stays."""
    with state.db.write() as conn:
        updated = rules.update(conn, creator.id, rule_id, body, state.settings.clock.now())
    rules_changed(state, creator.id)
    return updated


@router.delete("/{rule_id}", status_code=204, response_class=Response, responses=_NOT_YOURS)
def delete_rule(rule_id: str, creator: CurrentCreator, state: State) -> Response:
    with state.db.write() as conn:
        rules.remove(conn, creator.id, rule_id)
    rules_changed(state, creator.id)
    return Response(status_code=204)


@router.post(
    "/{rule_id}/rotate-secret",
    response_model=HookSecretOut,
    responses={**_NOT_YOURS, 409: {"description": "Not a webhook rule"}},
)
def rotate_secret(
    rule_id: str, creator: CurrentCreator, state: State, response: Response
) -> HookSecretOut:
    """A new signing secret for a webhook rule, shown this once; the old one stops working."""
    with state.db.write() as conn:
        out = rules.rotate_secret(
            conn, creator.id, rule_id, state.hook_secrets, state.settings.clock.now()
        )
    response.headers["Cache-Control"] = "no-store"
    return out
