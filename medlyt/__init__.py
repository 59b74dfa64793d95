"""medlyt: supervised meetings in Danish jobcentres. Importing it sets one process-wide policy."""

from transcribe.heap import one_malloc_arena

one_malloc_arena()
