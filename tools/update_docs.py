"""Regenerates the flag tables of docs/cli.md from the command line's own parsers.

    python tools/update_docs.py          # rewrite the tables in place
    python tools/update_docs.py --check  # exit 1 if docs/cli.md is out of date (tests/cli/test_docs.py does this)

`keras-gan train`'s flags come from `TrainConfig` (one field, one flag, one
help text), so the docs, `--help` and the library cannot disagree.
"""

import argparse
import importlib
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COMMANDS = ("train", "generate", "evaluate", "export", "demo", "info")


def flag_table(command):
    """The Markdown table of `keras-gan COMMAND`'s flags: flag, default, meaning."""
    parser = importlib.import_module(f"keras_gan.cli.{command}").build_parser()
    rows = ["| flag | default | meaning |", "|---|---|---|"]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        names = action.option_strings or [action.metavar or action.dest.upper()]
        if action.choices and not action.option_strings:
            names = [action.metavar]
        flag = " / ".join(f"`{n}`" for n in names)
        if action.choices and action.option_strings:
            flag += " `{" + ",".join(map(str, action.choices)) + "}`"
        empty = action.default is None or action.default is False or action.default in ("", [], argparse.SUPPRESS)
        default = "" if empty else f"`{action.default}`"
        help_text = " ".join((action.help or "").split()).replace("|", "\\|")
        rows.append(f"| {flag} | {default} | {help_text} |")
    return "\n".join(rows)


def render(text):
    """`text` with every `<!-- flags:COMMAND -->` ... `<!-- /flags -->` block regenerated."""

    def block(match):
        return f"<!-- flags:{match.group(1)} -->\n{flag_table(match.group(1))}\n<!-- /flags -->"

    return re.sub(r"<!-- flags:(\w+) -->.*?<!-- /flags -->", block, text, flags=re.DOTALL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if out of date")
    args = parser.parse_args()
    current = DOCS.read_text()
    updated = render(current)
    if args.check:
        if updated != current:
            print(f"{DOCS} is out of date: run python tools/update_docs.py")
            return 1
        return 0
    DOCS.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
