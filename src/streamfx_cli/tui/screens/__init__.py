"""The control panel's screens; each has its styles in a `.tcss` file beside it."""

from .confirm import ConfirmScreen
from .key_choice import FREE_KEY, KeyChoiceScreen
from .main import MainScreen
from .rules import RulesScreen
from .start_session import StartSessionScreen

__all__ = [
    "FREE_KEY",
    "ConfirmScreen",
    "KeyChoiceScreen",
    "MainScreen",
    "RulesScreen",
    "StartSessionScreen",
]
