"""What a new account's password must be.

The server checks a new password by these numbers (`routes/auth.py`); the CLI states the
rule at the prompt and checks a typed password before sending it, so a bad one is asked
again instead of costing the whole `streamfx up` (docs/CLI.md "Signing in").
"""

from typing import Final

PASSWORD_MIN: Final = 8
PASSWORD_MAX: Final = 256
PASSWORD_RULE: Final = f"at least {PASSWORD_MIN} characters"


def password_problem(password: str) -> str | None:
    """Why the server would refuse `password` as a new one, in a few words; None if fine."""
    if len(password) < PASSWORD_MIN:
        return f"a password needs {PASSWORD_RULE} (this one has {len(password)})"
    if len(password) > PASSWORD_MAX:
        return f"a password has at most {PASSWORD_MAX} characters (this one has {len(password)})"
    return None
