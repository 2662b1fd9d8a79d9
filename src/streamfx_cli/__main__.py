from streamfx_cli.main import run

run()
