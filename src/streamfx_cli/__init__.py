"""StreamFX command line: `streamfx`."""
