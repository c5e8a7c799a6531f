"""``python -m memory_core.cli``: the same as the ``memory-core`` command.

>>> import subprocess, sys
>>> done = subprocess.run([sys.executable, "-m", "memory_core.cli", "--help"],
...                       capture_output=True)
>>> done.returncode
0
"""

from memory_core.cli import main

if __name__ == "__main__":
    main()
