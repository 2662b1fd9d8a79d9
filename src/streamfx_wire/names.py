"""How a name that is not there is answered, the same by the server and the CLI: the
closest names the creator can see, and where to see them all."""

from collections.abc import Iterable
from difflib import get_close_matches


def close_names(typed: str, known: Iterable[str]) -> list[str]:
    """Up to three of `known` that look like `typed` (a typo, another case), closest first."""
    names = list(known)
    close = get_close_matches(typed, names, n=3, cutoff=0.6)
    if not close:
        folded = {name.casefold(): name for name in names}
        close = [folded[n] for n in get_close_matches(typed.casefold(), folded, n=3, cutoff=0.6)]
    return close


def quoted(names: Iterable[str]) -> str:
    """`"a"`, `"a" or "b"`."""
    return " or ".join(f'"{name}"' for name in names)


def did_you_mean(typed: str, known: Iterable[str], see: str) -> str:
    """The hint for a name that is not there: the closest names there are, and where to
    see them all (`see`, e.g. "`streamfx effects list`")."""
    close = close_names(typed, known)
    if close:
        return f"Did you mean {quoted(close)}? See {see}."
    return f"See {see}."
