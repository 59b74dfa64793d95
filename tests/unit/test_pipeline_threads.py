"""The speaker thread that runs beside Whisper gives way to it, and only that thread does."""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from medlyt.pipeline import yielding_to_whisper


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priority is Linux's; elsewhere nothing is lowered")
def test_the_speakers_run_at_the_lowest_priority_and_the_rest_of_the_process_does_not():
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def priorities():
        inherited = []
        child = threading.Thread(target=lambda: inherited.append(os.getpriority(os.PRIO_PROCESS, 0)))
        child.start(), child.join()  # as onnxruntime's threads, started from the speaker thread
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), inherited[0]

    with ThreadPoolExecutor(1) as pool:
        own, inherited = pool.submit(yielding_to_whisper, priorities).result()
    assert own == 19 and inherited == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
    assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == before  # the process's main thread
