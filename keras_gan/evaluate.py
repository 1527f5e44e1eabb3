"""`python -m keras_gan.evaluate`: an alias of `keras-gan evaluate`, kept for scripts written before that command.

Import nothing from here: the library's `evaluate` function is `keras_gan.evaluate`,
which importing this module as `keras_gan.evaluate` would shadow.
"""

if __name__ == "__main__":
    import sys

    from keras_gan.cli import run_command

    sys.exit(run_command("evaluate", sys.argv[1:], prog="python -m keras_gan.evaluate"))
