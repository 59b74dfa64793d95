"""The C heap's policy in medlyt's processes: one malloc arena, and freed memory kept for reuse
while Whisper decodes.

CTranslate2 allocates and frees buffers of tens to hundreds of MB at every decoding step (288 MB
at a time for base with 8 windows). glibc serves allocations that large with their own mmap and
gives them back to the kernel when freed, so every step faults fresh zeroed pages in again: on
the 12-minute benchmark meeting 3.5-5.4 million page faults and 9-13 s of system time in a 33 s
transcription. Kept for reuse, 0.3 million and 3 s (benchmarks/process_vs_whisper.py).

glibc only (mallopt, malloc_trim); on any other C library nothing changes but the speed.
"""

import ctypes
from functools import cache

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX, M_ARENA_MAX = -1, -2, -4, -8
KEEP_TOP_BYTES = 1 << 30  # the heap's free top is not given back below this
GROW_BY_BYTES = 512 << 20  # the heap grows by this much more than asked, so it grows seldom


@cache
def _libc():  # loaded once: give_back_freed_memory runs after every meeting
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def one_malloc_arena() -> None:
    """glibc gives threads that allocate at the same time malloc arenas of their own, and memory
    freed in one is not reused by another: with CTranslate2's and numpy's threads (and the
    speaker thread) the peak of `medlyt transcribe` on 5 minutes was 1,205-1,341 MB, with one
    arena 980 MB, in the same CPU time. It must be set before any thread starts: medlyt's
    __init__ does, the first thing any medlyt process imports."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, 1)


def keep_freed_memory() -> None:
    """From now on in this process, every allocation comes from the heap and what is freed
    stays there for the next one."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_MAX, 0)
        libc.mallopt(M_TRIM_THRESHOLD, KEEP_TOP_BYTES)
        libc.mallopt(M_TOP_PAD, GROW_BY_BYTES)


def give_back_freed_memory() -> None:
    """Hand what is free back to the kernel (a worker waits light between meetings)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
