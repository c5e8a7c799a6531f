"""The CrewAI cookbook runs offline: the designer builds on what the researcher saved."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

COOKBOOK = Path(__file__).parents[3] / "cookbooks" / "crewai_shared_memory.py"


def test_cookbook_crew_shares_memory(fast_tmp: Path) -> None:
    spec = importlib.util.spec_from_file_location("crewai_shared_memory", COOKBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the module's annotations through it
    spec.loader.exec_module(module)
    outcome = module.main(home=fast_tmp / "home")
    assert outcome["proposal"] == "A teal logo with a black-and-white variant."
    assert "Acme's brand colour is teal" in outcome["engine_sees"]
