"""The clips the GE2E reference embeddings were made from: shared by the reference maker
(tests/tools/make_ge2e_reference.py, torch) and the test that checks against it (no torch)."""

# name -> (path under the shared data, seconds to read or None for all)
CLIPS = {
    "nst42": ("danish/u0042008.wav", None),
    "nst13": ("danish/u0013002.wav", None),
    "aidan": ("danish/ap_dan.wav", 10.0),
    "dev00": ("diarization/dev00.wav", 10.0),
}
