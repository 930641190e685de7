"""Every entry point pyproject.toml declares is installed and loads: spaCy
finds the factory, architectures, readers, callbacks and scorer through them
(`spacy package` then lists spacy-coord as a requirement)."""

from importlib.metadata import distribution
from pathlib import Path

import pytest
import spacy

tomllib = pytest.importorskip("tomllib")

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"
# Entry point group -> the spaCy registry that looks them up.
REGISTRIES = {
    "spacy_factories": "factories",
    "spacy_architectures": "architectures",
    "spacy_readers": "readers",
    "spacy_callbacks": "callbacks",
    "spacy_scorers": "scorers",
}


def _declared():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    groups = {"console_scripts": project["scripts"], **project["entry-points"]}
    return sorted((group, name, value) for group, points in groups.items() for name, value in points.items())


def test_declared_entry_points_are_installed():
    installed = sorted((ep.group, ep.name, ep.value) for ep in distribution("spacy-coord").entry_points)
    assert installed == _declared(), "reinstall the project (pip install -e .) after changing its entry points"


@pytest.mark.parametrize("group,name,value", _declared(), ids=lambda v: str(v))
def test_entry_point_loads(group, name, value):
    (entry_point,) = [ep for ep in distribution("spacy-coord").entry_points if (ep.group, ep.name) == (group, name)]
    loaded = entry_point.load()
    assert callable(loaded)
    if group in REGISTRIES:
        assert getattr(spacy.registry, REGISTRIES[group]).get(name) is loaded
