"""transcribe.heap: while Whisper decodes, a freed buffer is reused instead of faulted in anew,
and afterwards what is free goes back to the kernel. Each case runs in its own process, since
the allocator's settings are the whole process's."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Allocates, fills, frees and again allocates and fills 300 MB the way CTranslate2 does (malloc,
# not numpy, which asks for huge pages), and prints the page faults of the second fill and the
# resident MB after the buffer was freed and the heap trimmed.
PROBE = """
import ctypes, resource, sys
from transcribe.heap import give_back_freed_memory, keep_freed_memory
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
size = 300 << 20
def faults(): return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def resident_mb(): return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
if sys.argv[1] == "keep":
    keep_freed_memory()
first = libc.malloc(size); ctypes.memset(first, 1, size); libc.free(first)
before = faults()
second = libc.malloc(size); ctypes.memset(second, 1, size)
refaulted = faults() - before
libc.free(second)
held = resident_mb()
give_back_freed_memory()
print(refaulted, round(held), round(resident_mb()))
"""


def probe(mode: str) -> tuple[int, int, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, capture_output=True, text=True, check=True)
    refaulted, held, after = map(int, out.stdout.split())
    return refaulted, held, after


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator; elsewhere heap changes nothing")
def test_a_freed_buffer_is_reused_while_whisper_decodes_and_given_back_after():
    refaulted, held, after = probe("keep")
    assert refaulted < 50  # the second 300 MB lands on pages already there
    assert held - after > 250  # kept while decoding, handed back afterwards
    default_refaulted, default_held, _after = probe("default")
    assert default_refaulted > 100  # as glibc leaves it: fresh pages, faulted in again
    assert held - default_held > 250
