"""The wire contract between the StreamFX server, the CLI and the control panel.

What both sides must agree on lives here once: the vocabularies and brand
defaults (`vocabulary`), the twelve effect kinds and the shape of the `render`
each one carries (`kinds`, docs/RENDER.md), and the live connection's message
types, close codes and the error codes clients act on (`live`), the rule a new
password must meet (`accounts`), and how a name that is not there is answered (`names`).

Standard library only, and nothing imported at package level: the server
imports it, and so does the CLI's hotkey path (`streamfx fire`), which must
stay fast. tests/unit/test_wire.py holds it to both.
"""
