"""The README's notebook example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python example"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})


def test_the_first_notebook_cell_shows_a_result():
    # a notebook shows the value of a cell's last line: it must be an expression whose
    # value renders as HTML (the claims table), not an assignment that shows nothing
    import ast

    code = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[0]
    tree = ast.parse(code)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr), "the README's first cell ends in a statement"
    namespace: dict = {}
    exec(compile(ast.Module(tree.body[:-1], []), "README.md", "exec"), namespace)
    shown = eval(compile(ast.Expression(last.value), "README.md", "eval"), namespace)
    html = shown._repr_html_()
    assert "<table" in html and ("supported" in html or "contradicted" in html)
