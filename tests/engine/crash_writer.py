"""Writer process for the crash test: adds memories forever, acknowledging each one that
returned, until the test kills it with SIGKILL. Run as ``python crash_writer.py HOME TAG``."""

from __future__ import annotations

import sys

from memory_core import Memory, MemoryConfig


def main(home: str, tag: str) -> None:
    memory = Memory(MemoryConfig(home=home))
    print("READY", flush=True)
    i = 0
    while True:
        # Alternate single adds and small batches, so kills land inside batched writes too.
        texts = [f"crash fact {tag} {i + k}" for k in range(1 + (i % 3))]
        memory.add(texts, user_id="crash", metadata={"tag": tag, "first": i})
        for k in range(len(texts)):
            print(f"ACK {i + k}", flush=True)
        i += len(texts)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
