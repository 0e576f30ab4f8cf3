"""Only the reviewer/ui/ package may import streamlit; everything else in reviewer/ is plain."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reviewer"
UI = PACKAGE / "ui"


def _imports_streamlit(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
            lines.append(node.lineno)
    return lines


def test_only_ui_module_imports_streamlit():
    offenders = {
        str(p.relative_to(PACKAGE.parent)): lines
        for p in sorted(PACKAGE.rglob("*.py"))
        if UI not in p.parents and (lines := _imports_streamlit(p))
    }
    assert offenders == {}


def test_checker_sees_an_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from streamlit.testing import v1\n", encoding="utf-8")
    assert _imports_streamlit(sample) == [2]


def test_ui_package_is_the_one_importing_it():
    assert _imports_streamlit(UI / "__init__.py")
