"""Views and API operations hold no queries of their own: they call the door, selectors and services.

Checked on the source, so a new view that reaches for ``Model.objects`` fails here before it can show a person
without the door's checks, log and shaping.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "evenhand"
# Every web view module (``views.py``, ``plan_views.py`` …) and every API router.
# (``*_views.py``, not ``*views.py``: the generator's ``synth/reviews.py`` is no view.)
MODULES = sorted(
    [
        *SRC.glob("*/views.py"),
        *SRC.glob("*/*_views.py"),
        *SRC.glob("*/views/*.py"),
        *SRC.glob("api/routers/*.py"),
    ]
)
# Query-building calls that only a selector, the door or a service may make.
QUERY_CALLS = {"get_object_or_404", "get_list_or_404", "raw", "select_related", "prefetch_related"}


def queries_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in QUERY_CALLS:
                found.append(f"{path.name}:{node.lineno} {name}()")
    return sorted(found, key=lambda f: int(f.split(":")[1].split()[0]))


def test_the_modules_are_found():
    names = {f"{p.parent.name}/{p.name}" for p in MODULES}
    assert {"people/views.py", "cases/views.py", "workload/views.py", "audit/views.py"} <= names
    assert {"routers/people.py", "routers/contacts.py", "routers/sentences.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_queries_of_their_own(path):
    assert queries_in(path) == []


def test_the_check_finds_a_query(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def v(r):\n    return Person.objects.filter(pk=1)\n\ndef w(r):\n    get_object_or_404(X)\n"
    )
    assert sorted(queries_in(sample)) == ["views.py:2 .objects", "views.py:5 get_object_or_404()"]
