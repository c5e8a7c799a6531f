"""What a pip user gets: the sdist carries only tracked files, the wheel carries every package
with its ``py.typed`` and the licence, a bare install of the wheel into a fresh virtualenv
runs the README's quick start offline (the embedding model ships in the base install), and
the ``[langgraph]`` extra brings all its cookbook imports, offline and with a real model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(UV), "build", "-q", "-o", str(out)], cwd=ROOT, check=True, timeout=300)
    return out


def _fresh_venv(venv: Path, requirement: str) -> Path:
    """A new virtualenv with ``requirement`` installed by uv (its cache makes this quick);
    returns its python."""
    subprocess.run([str(UV), "venv", "-q", str(venv), "--python", sys.executable], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(UV), "pip", "install", "-q", "--python", str(python), requirement],
                   check=True, timeout=600)  # fmt: skip
    return python


def test_sdist_carries_only_tracked_files(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    files = {name for name in members if not (ROOT / name).is_dir()} - {"PKG-INFO"}
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split("\n")
    )
    assert files and files <= tracked, sorted(files - tracked)
    assert {"LICENSE", "README.md", "pyproject.toml", "memory_core/__init__.py"} <= files


def test_wheel_carries_packages_types_and_licence(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = ["memory_core", *(p.name for p in (ROOT / "integrations").iterdir()
                                 if (p / "__init__.py").exists())]  # fmt: skip
    for package in packages:
        assert f"{package}/__init__.py" in names and f"{package}/py.typed" in names, package
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


def test_bare_install_runs_the_readme_quick_start_offline(dist: Path, tmp_path: Path) -> None:
    [wheel] = dist.glob("*.whl")
    python = _fresh_venv(tmp_path / "venv", str(wheel))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = re.search(r"## Quick start\n\n(?:<!--.*?-->\n)*```python\n(.*?)```", readme, re.S)
    assert quick_start is not None, "README lost its Quick start block"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MEMORY_CORE_HOME": str(tmp_path / "home")}
    env.pop("PYTHONPATH", None)
    ran = subprocess.run([str(python), "-c", quick_start.group(1)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "allergic to peanuts" in ran.stdout.splitlines()[0]


def test_the_langgraph_extra_brings_what_its_cookbook_imports(dist: Path, tmp_path: Path) -> None:
    [wheel] = dist.glob("*.whl")
    python = _fresh_venv(tmp_path / "venv", f"{wheel}[langgraph]")
    book = tmp_path / "cookbooks"
    book.mkdir()
    for name in ("_model.py", "langgraph_remember_user.py"):
        (book / name).write_bytes((ROOT / "cookbooks" / name).read_bytes())
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONPATH" and not key.startswith("OPENAI_")}  # fmt: skip
    env["HF_HUB_OFFLINE"] = "1"

    def run(extra_env: dict[str, str]) -> list[str]:
        ran = subprocess.run([str(python), "langgraph_remember_user.py"], cwd=book,
                             env={**env, **extra_env}, capture_output=True, text=True,
                             timeout=300)  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        return ran.stdout.splitlines()

    assert run({})[-2].startswith("Since you're vegetarian")  # offline: the scripted model
    with ScriptedOpenAIServer() as server:  # a real model's protocol: langchain-openai came too
        server.script(Reply(chat_completion("Try the falafel place.")))
        said = run({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": server.base_url})
    assert said[0] == "Try the falafel place." and len(server.bodies()) == 2


def test_readme_links_work_on_the_package_page() -> None:
    # PyPI renders the README without the repository: a relative link would lead nowhere.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert all(re.match(r"https?://|#", target) for target in targets), targets
