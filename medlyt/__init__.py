"""medlyt: supervised meetings in Danish jobcentres. Importing it sets one process-wide policy."""

import ctypes

M_ARENA_MAX = -8  # glibc's mallopt parameter


def one_malloc_arena() -> None:
    """glibc gives threads that allocate at the same time malloc arenas of their own, and memory
    freed in one is not reused by another: with CTranslate2's and numpy's threads (and the
    speaker thread) the peak of `medlyt transcribe` on 5 minutes was 1,205-1,341 MB, with one
    arena 980 MB, in the same CPU time. It must be set before any thread starts, so here, the
    first thing any medlyt process imports. Elsewhere than glibc: nothing to set."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)
    except (OSError, AttributeError):
        pass


one_malloc_arena()
