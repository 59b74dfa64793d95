"""meetings/transfer.py: a copy through a part file that a new try continues, only from bytes
found equal to the source's."""

import os

from meetings.transfer import part_path, send, sha256_of, usable_prefix


def source_file(tmp_path, size: int = 300_000):
    path = tmp_path / "møde.audio"
    path.write_bytes(os.urandom(size))
    return path


def test_a_cut_copy_goes_on_from_where_it_was_and_ends_whole(tmp_path):
    source = source_file(tmp_path)
    dest = tmp_path / "centre" / "møde.audio"
    dest.parent.mkdir()
    part_path(dest).write_bytes(source.read_bytes()[:100_000])
    seen = []

    sent = send(source, dest, lambda done, total: seen.append((done, total)))

    assert sent.resumed_from == 100_000 and seen[0] == (100_000, 300_000) and seen[-1] == (300_000, 300_000)
    assert sha256_of(dest) == sha256_of(source) and not part_path(dest).exists()
    assert oct(dest.stat().st_mode & 0o777) == oct(0o600)


def test_a_part_that_differs_or_is_too_long_is_not_kept(tmp_path):
    source = source_file(tmp_path)
    part = tmp_path / ".kopi.part"
    changed = bytearray(source.read_bytes()[:50_000])
    changed[49_999] ^= 1
    part.write_bytes(bytes(changed))
    assert usable_prefix(source, part) == 0
    part.write_bytes(source.read_bytes() + b"mere")
    assert usable_prefix(source, part) == 0
    part.write_bytes(source.read_bytes()[:50_000])
    assert usable_prefix(source, part) == 50_000
    assert usable_prefix(source, tmp_path / "ingen.part") == 0

    dest = tmp_path / "kopi"
    part_path(dest).write_bytes(bytes(changed))
    assert send(source, dest).resumed_from == 0 and sha256_of(dest) == sha256_of(source)


def test_a_rate_limit_is_kept(tmp_path):
    import time

    source = source_file(tmp_path, 60_000)
    began = time.monotonic()
    send(source, tmp_path / "kopi", bytes_per_s=100_000)
    assert time.monotonic() - began >= 0.55  # 60 kB at 100 kB/s
