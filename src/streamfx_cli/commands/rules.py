"""`streamfx rules list|create|update|delete|enable|disable|rotate-secret` (docs/RULES.md).

A rule fires an effect by itself: on a timer of live time (`--every`), when a session
starts, pauses, resumes or ends (`--on`), on an OBS event (`--obs`), or when a signed
webhook is called (`--webhook`). The server checks a rule when it is saved; its
complaints name the API's fields, which are put back here as the flags that set them.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..field_flags import flags_named
from ..output import emit_json, say
from ..rule_words import describe_trigger, last_lines
from .options import JsonFlag, ParamFlag, ParamJsonFlag

if TYPE_CHECKING:
    from ..api import Api
    from ..api_types import HookSecret, Rule, RuleCreated, RuleDraft

app = typer.Typer(
    help="Rules: fire effects by themselves, on a timer, a session change, an OBS event "
    "or a webhook.",
    no_args_is_help=True,
)

# Enums so that Typer lists the choices and refuses others as a usage error (exit 2).
SessionEvent = Enum(  # type: ignore[misc]
    "SessionEvent", {e: e for e in ("started", "paused", "resumed", "ended")}, type=str
)
ObsEvent = Enum(  # type: ignore[misc]
    "ObsEvent",
    {
        e: e
        for e in (
            "sceneChanged",
            "streamStarted",
            "streamStopped",
            "recordingStarted",
            "recordingStopped",
            "replaySaved",
            "mediaEnded",
        )
    },
    type=str,
)

RuleArg = Annotated[str, typer.Argument(metavar="RULE", help="The rule's id (rl_…).")]
EffectFlag = Annotated[
    str | None, typer.Option("--effect", "-e", help="The effect it fires: slug or id.")
]
EveryFlag = Annotated[
    str | None,
    typer.Option("--every", help="Timer: fire every so much live time, e.g. 10m (5s at least)."),
]
OffsetFlag = Annotated[
    str | None,
    typer.Option(
        "--offset", help="Timer: the first tick after so much live time (default: --every)."
    ),
]
OnFlag = Annotated[
    SessionEvent | None, typer.Option("--on", help="Fire when a session is started, paused, …")
]
ObsFlag = Annotated[ObsEvent | None, typer.Option("--obs", help="Fire on this OBS event.")]
SceneFlag = Annotated[
    str | None, typer.Option("--scene", help="With --obs sceneChanged: only this scene.")
]
InputFlag = Annotated[
    str | None, typer.Option("--input", help="With --obs mediaEnded: only this media input.")
]
CooldownFlag = Annotated[
    str | None,
    typer.Option("--cooldown", help="The rule's own least time between two firings, e.g. 30s."),
]
LiveOnlyFlag = Annotated[
    bool | None,
    typer.Option(
        "--live-only/--also-paused",
        help="Fire only while a session is live and not paused (the default), or also "
        "while it is paused.",
        show_default=False,
    ),
]

# The API's fields, as the flags that set them (docs/RULES.md "From the command line").
_FLAG_OF = {
    "name": "NAME",
    "enabled": "--disabled",
    "effectId": "--effect",
    "params": "--param",
    "liveOnly": "--live-only",
    "cooldownMs": "--cooldown",
    "trigger": "the trigger (--every, --on, --obs or --webhook)",
    "trigger.type": "the trigger (--every, --on, --obs or --webhook)",
    "trigger.everySeconds": "--every",
    "trigger.offsetSeconds": "--offset",
    "trigger.on": "--on",
    "trigger.event": "--obs",
    "trigger.scene": "--scene",
    "trigger.input": "--input",
}
_IN_SECONDS = {
    field: " (in seconds)" for field in ("trigger.everySeconds", "trigger.offsetSeconds")
}
_HINT = "Fix it and run the command again; docs/RULES.md lists what each trigger provides."


def _seconds(flag: str, text: str) -> int:
    """A duration flag's whole seconds; a usage error naming the flag otherwise."""
    from ..errors import BadArgument, StreamFXError
    from .effects import parse_duration_ms

    try:
        ms = parse_duration_ms(text)
    except StreamFXError:
        raise BadArgument(
            f"{flag} {text!r} is not a duration.", "Write it like 90s, 10m or 1h."
        ) from None
    if ms % 1000:
        raise BadArgument(f"{flag} must be whole seconds, not {text!r}.", "Write it like 90s.")
    return ms // 1000


def _cooldown_ms(text: str) -> int:
    from ..errors import BadArgument, StreamFXError
    from .effects import parse_duration_ms

    try:
        return parse_duration_ms(text)
    except StreamFXError:
        raise BadArgument(
            f"--cooldown {text!r} is not a duration.", "Write it like 30s or 1500ms."
        ) from None


def _trigger(
    every: str | None,
    offset: str | None,
    on: SessionEvent | None,
    obs: ObsEvent | None,
    scene: str | None,
    input_name: str | None,
    webhook: bool,
) -> dict[str, Any] | None:
    """The trigger the flags describe; None when they give none; a usage error for two."""
    from ..errors import BadArgument

    chosen = [
        flag
        for flag, given in (
            ("--every", every),
            ("--on", on),
            ("--obs", obs),
            ("--webhook", webhook),
        )
        if given
    ]
    if len(chosen) > 1:
        raise BadArgument(
            f"A rule has one trigger, but {' and '.join(chosen)} were given.",
            "Give one of --every, --on, --obs or --webhook.",
        )
    if offset is not None and every is None:
        raise BadArgument("--offset goes with --every.", "Add --every, e.g. --every 10m.")
    if (scene is not None or input_name is not None) and obs is None:
        flag = "--scene" if scene is not None else "--input"
        raise BadArgument(f"{flag} goes with --obs.", "Add --obs sceneChanged or --obs mediaEnded.")
    if every is not None:
        trigger: dict[str, Any] = {"type": "timer", "everySeconds": _seconds("--every", every)}
        if offset is not None:
            trigger["offsetSeconds"] = _seconds("--offset", offset)
        return trigger
    if on is not None:
        return {"type": "session", "on": on.value}
    if obs is not None:
        trigger = {"type": "obs", "event": obs.value}
        if scene is not None:
            trigger["scene"] = scene
        if input_name is not None:
            trigger["input"] = input_name
        return trigger
    if webhook:
        return {"type": "webhook"}
    return None


# -- how a rule reads ----------------------------------------------------------------


def _show(rule: Rule, base_url: str | None = None) -> None:
    state = "on" if rule["enabled"] else "off"
    say(f"{rule['id']}  {rule['name']}  ({state})")
    params = " ".join(f"{k}={v}" for k, v in rule["params"].items())
    say(
        f"  {describe_trigger(rule['trigger'])} -> {rule['effectSlug']}"
        + (f"  {params}" if params else "")
    )
    extras = []
    if not rule["liveOnly"]:
        extras.append("also while paused")
    if rule["cooldownMs"]:
        extras.append(f"rule cooldown {rule['cooldownMs'] / 1000:g}s")
    if extras:
        say("  " + ", ".join(extras))
    if rule["hookPath"] and base_url:
        say(f"  webhook: {base_url}{rule['hookPath']}")
    for line in last_lines(rule):
        say(f"  {line}")


def _show_secret(api: Api, hook: RuleCreated | HookSecret) -> None:
    say(f"  webhook: {api.base_url}{hook['hookPath']}")
    say(f"  secret:  {hook['secret']}")
    say("  The secret is shown only now: keep it where the caller can sign with it.")


# -- commands --------------------------------------------------------------------------


@app.command("list")
def list_rules(json_out: JsonFlag = False) -> None:
    """List your rules, each with its last firing or why it last did not fire."""
    from ..api import Api

    with Api.signed_in() as api:
        rules = api.rules()
        base_url = api.base_url
    if json_out:
        emit_json(rules)
        return
    if not rules:
        say(
            "No rules yet. Create one with `streamfx rules create NAME --effect EFFECT --every 10m`."
        )
    for rule in rules:
        _show(rule, base_url)


@app.command()
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="What to call the rule.")],
    effect: EffectFlag = None,
    every: EveryFlag = None,
    offset: OffsetFlag = None,
    on: OnFlag = None,
    obs: ObsFlag = None,
    scene: SceneFlag = None,
    input_name: InputFlag = None,
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Fire when its signed webhook is called.")
    ] = False,
    param: ParamFlag = None,
    param_json: ParamJsonFlag = None,
    cooldown: CooldownFlag = None,
    live_only: LiveOnlyFlag = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Create a rule: an effect, a trigger, and params with {field} placeholders."""
    from ..api import Api
    from ..errors import BadArgument
    from ..firing import parse_params

    trigger = _trigger(every, offset, on, obs, scene, input_name, webhook)
    if trigger is None:
        raise BadArgument(
            "A rule needs a trigger.",
            "Give one of --every 10m, --on started, --obs EVENT or --webhook.",
        )
    if effect is None:
        raise BadArgument("A rule needs an effect to fire.", "Give --effect, e.g. --effect banner.")
    draft: RuleDraft = {"name": name, "trigger": trigger, "effectId": effect}
    if param or param_json:
        draft["params"] = parse_params(param, param_json)
    if cooldown is not None:
        draft["cooldownMs"] = _cooldown_ms(cooldown)
    if live_only is not None:
        draft["liveOnly"] = live_only
    if disabled:
        draft["enabled"] = False
    with Api.signed_in() as api:
        with flags_named(_FLAG_OF, _HINT, _IN_SECONDS):
            created = api.create_rule(draft)
        if json_out:
            emit_json(created)
            return
        say(f"Created rule {created['name']!r} ({created['id']}).")
        say(f"  {describe_trigger(created['trigger'])} -> {created['effectSlug']}")
        if created["secret"]:
            _show_secret(api, created)


@app.command()
def update(
    rule_id: RuleArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    effect: EffectFlag = None,
    every: EveryFlag = None,
    offset: OffsetFlag = None,
    on: OnFlag = None,
    obs: ObsFlag = None,
    scene: SceneFlag = None,
    input_name: InputFlag = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value; replaces all the rule's params."),
    ] = None,
    param_json: ParamJsonFlag = None,
    no_params: Annotated[
        bool, typer.Option("--no-params", help="Fire the effect with no params of the rule's.")
    ] = False,
    cooldown: CooldownFlag = None,
    live_only: LiveOnlyFlag = None,
    json_out: JsonFlag = False,
) -> None:
    """Change a rule: only the flags given. The trigger's kind stays (a timer stays a timer)."""
    from ..api import Api
    from ..errors import BadArgument
    from ..firing import parse_params

    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name
    if effect is not None:
        changes["effectId"] = effect
    trigger = _trigger(every, offset, on, obs, scene, input_name, webhook=False)
    if (param or param_json) and no_params:
        raise BadArgument("--param and --no-params contradict each other.", "Give one of them.")
    if param or param_json:
        changes["params"] = parse_params(param, param_json)
    if no_params:
        changes["params"] = {}
    if cooldown is not None:
        changes["cooldownMs"] = _cooldown_ms(cooldown)
    if live_only is not None:
        changes["liveOnly"] = live_only
    with Api.signed_in() as api:
        if trigger is not None:
            changes["trigger"] = _merged_trigger(api.rule(rule_id)["trigger"], trigger, offset)
        if not changes:
            raise BadArgument(
                "Nothing to change.",
                "Give at least one of --name, --effect, --every, --offset, --on, --obs, "
                "--param, --no-params, --cooldown or --live-only/--also-paused.",
            )
        with flags_named(_FLAG_OF, _HINT, _IN_SECONDS):
            updated = api.update_rule(rule_id, changes)
    if json_out:
        emit_json(updated)
        return
    say(f"Updated rule {updated['name']!r} ({updated['id']}).")
    say(f"  {describe_trigger(updated['trigger'])} -> {updated['effectSlug']}")


def _merged_trigger(
    current: dict[str, Any], given: dict[str, Any], offset: str | None
) -> dict[str, Any]:
    """A timer's new --every keeps its --offset unless a new one is given."""
    if given.get("type") == current.get("type") == "timer" and offset is None:
        kept = current.get("offsetSeconds")
        if kept is not None:
            return {**given, "offsetSeconds": kept}
    return given


def _switch(rule_id: str, enabled: bool, json_out: bool) -> None:
    from ..api import Api

    with Api.signed_in() as api:
        rule = api.update_rule(rule_id, {"enabled": enabled})
    if json_out:
        emit_json(rule)
        return
    say(f"Rule {rule['name']!r} ({rule['id']}) is {'on' if enabled else 'off'}.")


@app.command()
def enable(rule_id: RuleArg, json_out: JsonFlag = False) -> None:
    """Switch a rule on."""
    _switch(rule_id, True, json_out)


@app.command()
def disable(rule_id: RuleArg, json_out: JsonFlag = False) -> None:
    """Switch a rule off: it fires no more (a webhook answers 404) until enabled."""
    _switch(rule_id, False, json_out)


@app.command()
def delete(rule_id: RuleArg, json_out: JsonFlag = False) -> None:
    """Delete a rule (its past activations keep its id)."""
    from ..api import Api

    with Api.signed_in() as api:
        api.delete_rule(rule_id)
    if json_out:
        emit_json({"id": rule_id, "deleted": True})
        return
    say(f"Deleted rule {rule_id}.")


@app.command("rotate-secret")
def rotate_secret(rule_id: RuleArg, json_out: JsonFlag = False) -> None:
    """Give a webhook rule a new secret (shown once); the old one stops working at once."""
    from ..api import Api

    with Api.signed_in() as api:
        hook = api.rotate_hook_secret(rule_id)
        if json_out:
            emit_json(hook)
            return
        say(f"New secret for rule {rule_id}; the old one no longer works.")
        _show_secret(api, hook)
