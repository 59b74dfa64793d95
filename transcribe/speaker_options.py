"""The settings of speaker attribution, in one place: the first pass (windows, clustering,
voting), the frame-level resegmentation (transcribe.resegment), the detector for two voices at
once (transcribe.overlap) and the channel rule (transcribe.channels). Each default says what it
was measured on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpeakerOptions:
    """Defaults measured on the AMI excerpts and the synthetic Danish dialogues
    (tests/unit/test_speakers.py, benchmarks/attribution_speed.py)."""

    # GE2E was trained on, and Resemblyzer embeds, partial utterances of exactly 1.6 s (160 mel
    # frames): a window of that length is one forward pass over the context the encoder knows,
    # and the shortest that does (less voice of a neighbouring turn per window). Measured on the
    # AMI excerpts and the dialogues: share error of the 2-speaker recordings <= 2.4 points
    # (2.0 s: up to 9.7 on dev00), and 1.5 / 1.75 s give the same picture, so it is no knife edge.
    window_s: float = 1.6
    step_s: float = 0.5
    # The VAD pads speech by 0.3 s for Whisper's sake; attribution trims it back to ~0.1 s,
    # which halves the padding's share of the diarization error (measured on the dialogues).
    speech_trim_s: float = 0.2
    min_window_s: float = 0.5  # a speech region shorter than this carries too little voice
    # Bounds the clustering (an N x N affinity and its eigenvectors) and the encoder's work on
    # long meetings: 60 minutes of speech then gives a window every ~1.5 s, still overlapping.
    max_windows: int = 2400
    # Below this much speech two voices cannot be told apart reliably (a handful of windows).
    min_speech_s: float = 5.0
    # Pruned affinity: each row keeps its p_neighbours fraction of most similar windows
    # (at least min_neighbours). Candidates are searched per recording (NME-SC, Park et al. 2019).
    p_candidates: tuple[float, ...] = (0.15, 0.2, 0.25, 0.3)
    min_neighbours: int = 3
    cluster_max_windows: int = 600  # spectral step on an even subsample of at most this many
    kmeans_inits: int = 10
    seed: int = 0
    min_turn_s: float = 0.5  # shorter runs of one speaker inside speech go to a neighbour
    # Frame-level resegmentation (transcribe.resegment), measured with
    # benchmarks/speaker_accuracy.py on the built dialogues, the AMI excerpts and the espeak ones.
    resegment: bool = True
    reseg_frame_s: float = 0.02  # 20 ms frames: sharp enough for a turn edge, half the work of 10 ms
    reseg_cepstra: int = 20  # MFCCs c0-c19 of GE2E's 40 mel bands
    reseg_components: int = 8  # Gaussians per voice model
    reseg_em_iterations: int = 8
    # Learn the models, decode, learn again from the new labels, decode, ...: 3 decodings, so
    # that two voices at once are looked for near the changes the first one found (below).
    reseg_iterations: int = 3
    reseg_max_train_frames: int = 20000
    # Frames are strongly correlated, so their log likelihoods are scaled down before adding
    # (VBx's acoustic scale); the change cost is then in the same, scaled nats.
    reseg_acoustic_scale: float = 0.3
    reseg_change_cost: float = 10.0
    reseg_min_run_s: float = 0.1  # a shorter run of one voice is dropped
    reseg_context_s: float = 0.5  # non-speech around each VAD region teaches the "nobody" model
    reseg_min_speech_s: float = 2.0  # a voice with less first-pass speech keeps the first pass
    reseg_nobody: bool = True  # a "nobody" state: pauses inside the VAD's speech are nobody's talk
    reseg_boundary_s: float = 1.0  # a frame's voice may change freely only this close to a first-pass change
    # ... or this close to either end of a VAD region (padded by 0.3 s, so 0.5 reaches 0.2 s into
    # the speech): a turn's first or last words next to a pause, with the other voice on the
    # other side, get no first-pass window of their own. On the 15 built dialogues 0.5 gives mean
    # DER 12.4 -> 12.1 %, mean share error 2.32 -> 2.02 (worst 6.7 -> 5.5), false interruptions
    # 2 -> 1; 0.3-0.4 change nothing, 0.6-1.0 lower the share error a little more but give 2-3
    # false interruptions. On seeds 4-6, not used to choose it: share error 2.05 -> 1.93.
    reseg_edge_s: float = 0.5
    # Elsewhere the models learn with the first pass's voice fixed, but the last decoding may
    # give a frame another voice for this much per frame (scaled nats): a short turn wholly
    # inside the other's speech, next to no pause, gets no first-pass window of its own either
    # (dialog2's 1.8 s turn at 14.4 s, 0.4 s of it alone). 1.0 on the 15 built dialogues: mean
    # share error 2.02 -> 1.89 (worst 5.5 -> 4.8), false interruptions 1 -> 2; on seeds 4-6
    # 1.93 -> 1.85 and 18 -> 21 of 39 interruptions. 0.3-1.2 find dialog2's; below 1.0 3 false,
    # above 1.2 not found. Learning with it too moved every model and gave 3 false.
    reseg_far_cost: float = 1.0
    # Shorter pauses inside one voice's speech stay its speech: NIST's 0.3 s for joining speech,
    # as this resegmentation measures pauses. It measures them longer than they are (pauses of
    # 0.3-0.6 s between the built dialogues' phrases by 0.06 s in median, 0.15 s on average: a
    # quiet word edge goes to "nobody"), so a sentence's own short pause was cut out, most of
    # all in the quieter voice's (hurtig: ap_dan's 0.36 and 0.38 s). 0.45 on the 15: worst share
    # error 3.6 -> 3.1, mean 1.59 -> 1.64, DER 11.52 -> 11.28 %, interruptions 17 -> 20 of 35
    # with 3 -> 2 false; seeds 4-6 mean 1.58 -> 1.43 (worst 3.2 both). 0.4 and 0.5 the same worst
    # with more false or a higher DER; 0.6 and more, higher mean and DER.
    reseg_fill_s: float = 0.45
    # A voice's model learns only from its frames louder than this percentile of the room
    # without speech: the first pass gives a voice its pauses too, and a model that learned
    # room tone took everybody's pauses (the LibriVox reader 13-15 s of them in the monologues).
    # 40: on the 15 built dialogues 30-60 give the same mean share error; above 50 AMI dev01's
    # grows, at 50 dev00's reaches 3.0.
    reseg_voice_above_room_pct: float = 40.0
    # Two voices at once, near a speaker change (one microphone can hear an interruption):
    # entering that state costs this much more than a plain change.
    reseg_overlap: bool = True
    reseg_overlap_cost: float = 10.0
    # ... within this of a change, the first pass's or one a decoding found. The quiet voice's
    # turn that begins under the loud one (overlaps of 0.3-2 s) often starts more than 1 s
    # before the change. On the 15 built dialogues (1.0 s, first-pass changes only, 2 decodings
    # -> 1.25 s, also the decodings' changes, 3 decodings): largest share error 4.8 -> 3.6, mean
    # 1.89 -> 1.59, interruptions 17 of 35 with 2 -> 3 false (real overlaps of 0.48 s measured
    # 0.6-0.7 s, and two starts 0.05 s apart); on seeds 4-6, not used to choose it, 6.4 -> 3.2,
    # 1.85 -> 1.58, 21 -> 22 of 39 with 2 -> 1 false. 1.5 s was better on both (3.6 and 2.8, 1
    # false each) but gave AMI dev01, a far-field excerpt with 17 s of speech, 2.3 s of false
    # overlap: share error 0.4 -> 4.7. 1.0 s with 3 decodings: 3.9 and 5.2.
    reseg_overlap_reach_s: float = 1.25
    # Two voices at once from GE2E embeddings (transcribe.overlap): windows of overlap_window_s,
    # first every overlap_near_step_s within overlap_reach_s of a speaker change and every
    # overlap_scan_step_s inside the turns (0: not there), then every overlap_step_s within
    # overlap_refine_s of a hit. A window is overlap when "both at once" beats "one voice" and "a
    # change" by overlap_margin near a change, overlap_inside_margin further inside a turn (LDA
    # log likelihood), and a stretch needs overlap_min_s.
    # Measured with benchmarks/speaker_accuracy.py; the work with benchmarks/attribution_speed.py.
    overlap: bool = True
    overlap_window_s: float = 0.8
    overlap_step_s: float = 0.1
    overlap_near_step_s: float = 0.3
    overlap_reach_s: float = 1.2
    overlap_scan_step_s: float = 0.8
    overlap_refine_s: float = 0.4
    overlap_margin: float = 2.0  # near a change: an overlap there is an interruption
    # Inside a turn a window of one voice scores below -1 (99th percentile on the built
    # dialogues) and one that is 40 % or more two voices has a median of -3 and a 90th
    # percentile of 3-4; a "ja" there changes the balance, not the interruptions.
    overlap_inside_margin: float = 0.0
    overlap_min_s: float = 0.3
    # A flagged window is two voices this far either side of its centre: near a change, and
    # inside a turn (transcribe.overlap._covers). 0.2 near a change made real overlaps of
    # 0.4-0.7 s long enough to cross feedback's interruption threshold; 0.15 inside a turn made a
    # 0.6-0.7 s "ja" measure over 1 s, feedback's longest backchannel (2 of 4 false
    # interruptions on the 15 built dialogues).
    overlap_cover_s: float = 0.15
    overlap_inside_cover_s: float = 0.05
    overlap_train_windows: int = 200  # per class and pair of voices
    overlap_floor_percentile: float = 10.0  # of each mel band over the speech: the room's noise floor
    # A voice needs this many windows of its own speech alone (6 s of window starts, about 7 s
    # of speech): with less, as for the 4-voice AMI excerpts, the classifier found false overlaps.
    overlap_min_windows: int = 600
    overlap_shrinkage: float = 0.5
    # Channels: a channel counts as its speaker's voice only if it is no more than this far below
    # the loudest mapped channel; lapel crosstalk is typically 15-25 dB down.
    crosstalk_margin_db: float = 12.0
    # A word's onset and decay are quiet: next to a loud other voice they fall below the margin.
    # Activity is extended by up to channel_edge_s into frames within channel_edge_margin_db
    # (the stereo test file's decays need 0.11 s); crosstalk can gain at most that at a change.
    channel_edge_s: float = 0.15
    channel_edge_margin_db: float = 35.0
    channel_min_gap_s: float = 0.6  # gaps in one speaker's channel activity shorter than this close
    channel_min_run_s: float = 0.1  # shorter bursts of activity are clicks, not speech
