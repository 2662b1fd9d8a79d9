"""The control panel's screens; each has its styles in a `.tcss` file beside it."""

from .confirm import ConfirmScreen
from .main import MainScreen
from .rules import RulesScreen
from .start_session import StartSessionScreen

__all__ = ["ConfirmScreen", "MainScreen", "RulesScreen", "StartSessionScreen"]
