"""`python -m keras_gan.serve_demo`: an alias of `keras-gan demo`, kept for scripts written before that command."""

if __name__ == "__main__":
    import sys

    from keras_gan.cli import run_command

    sys.exit(run_command("demo", sys.argv[1:], prog="python -m keras_gan.serve_demo"))
