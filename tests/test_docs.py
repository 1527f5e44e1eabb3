"""The docs agree with the code: generated flag tables, links that resolve, and the README's commands that run."""

import re

from tests.helpers import ROOT, load_script


def load_tool(name):
    return load_script(ROOT / "tools" / f"{name}.py")


def test_the_flag_tables_in_docs_cli_are_what_the_parsers_say():
    tool = load_tool("update_docs")
    current = tool.DOCS.read_text()
    assert tool.render(current) == current, "docs/cli.md is out of date: run python tools/update_docs.py"
    for command in tool.COMMANDS:
        assert f"<!-- flags:{command} -->" in current


def test_every_train_flag_is_in_the_table_with_its_help_text():
    from keras_gan.cli import train

    text = (ROOT / "docs" / "cli.md").read_text()
    for action in train.build_parser()._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert f"`{option}`" in text, option


def test_relative_links_in_the_readme_and_docs_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []
