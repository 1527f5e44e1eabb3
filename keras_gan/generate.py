"""`python -m keras_gan.generate`: an alias of `keras-gan generate`, kept for scripts written before that command.

Import nothing from here: the library's `generate` function is `keras_gan.generate`,
which importing this module as `keras_gan.generate` would shadow.
"""

if __name__ == "__main__":
    import sys

    from keras_gan.cli import run_command

    sys.exit(run_command("generate", sys.argv[1:], prog="python -m keras_gan.generate"))
