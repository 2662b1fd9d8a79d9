"""A brand kit as the user names it: by its id (`bk_…`) or by its name (`Neon`).

Names are matched exactly, else without regard to case; a name that is not there gets the
closest ones (streamfx_wire.names), and two kits of the same name are told apart by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamfx_wire.names import did_you_mean

from .errors import InvalidInput

if TYPE_CHECKING:
    from .api import Api

KIT_ID_PREFIX = "bk_"


def kit_id_of(api: Api, ref: str, flag: str | None = None) -> str:
    """The id of the creator's kit that `ref` names; `flag` is the option it was given
    with (`--kit`), if not the command's argument, for the error."""
    if ref.startswith(KIT_ID_PREFIX):
        return ref  # the server answers a wrong id with its 404
    kits = api.brand_kits()
    named = [kit for kit in kits if kit["name"] == ref] or [
        kit for kit in kits if kit["name"].casefold() == ref.casefold()
    ]
    if len(named) == 1:
        return named[0]["id"]
    if named:
        ids = ", ".join(kit["id"] for kit in named)
        raise InvalidInput(
            (f"{flag}: " if flag else "") + f'{len(named)} of your brand kits are named "{ref}".',
            f"Name one by its id: {ids}.",
        )
    raise InvalidInput(
        f'No brand kit "{ref}".',
        did_you_mean(ref, [kit["name"] for kit in kits], "`streamfx brand-kit list`"),
    )
