"""AWS emulated by a patched moto server, for tests and the demo; the scanner never imports it."""

from cloudwarden_emulator.client import Emulator, EmulatorError
from cloudwarden_emulator.state import DEFAULT_ACCOUNT, RootKey, RootState

__all__ = ["DEFAULT_ACCOUNT", "Emulator", "EmulatorError", "RootKey", "RootState"]
