"""The core and the emulator import without PySide6: a subprocess proves it."""

import subprocess
import sys
from pathlib import Path

import pytest

CORE_MODULES = [
    "linkdesk.core.money",
    "linkdesk.core.links",
    "linkdesk.core.errors",
    "linkdesk.core.billing",
    "linkdesk.core.secrets",
    "linkdesk.core.qr",
    "linkdesk.core.settings",
    "linkdesk.emulator",
    "linkdesk.cli",
    "linkdesk.demo",
]

PROBE = """
import importlib, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6.") or name == "shiboken6":
            raise ImportError("Qt is not allowed here: " + name)
sys.meta_path.insert(0, BlockQt())
for module in sys.argv[1:]:
    importlib.import_module(module)
print("ok")
"""


@pytest.mark.parametrize("module", CORE_MODULES)
def test_imports_without_qt(module):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_core_file_mentions_qt():
    core = Path(__file__).parents[2] / "linkdesk" / "core"
    for path in core.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "PySide6" not in text, path
