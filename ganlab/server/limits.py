"""The limits that make one server safe to share with a class: one home for their defaults
(the app's flags and environment variables, the store and the docs read them here)."""

from __future__ import annotations

MB = 2**20
MAX_RUNS = 4  # trainings at once (--max-runs / GANLAB_MAX_RUNS; a comparison counts two)
ENGINE_MAX_RUNS = 40  # the same with the engine on (--engine): 2D runs share its programs; a class of 30 with room
SOLO_RUNS = MAX_RUNS  # with the engine on, the trainings outside it (image runs, SGD, decay) at once
# Documented in the README ("Sharing the app with a class") and docs/deployment.md.
IDLE_TIMEOUT_S = 30 * 60  # a session with no request for this long is reclaimed (run stopped, uploads deleted)
REAP_EVERY_S = 60  # how often the reaper looks for idle sessions
DATASET_CACHE_BYTES = 400 * MB  # named datasets kept loaded when no run uses them (MNIST: 188 MB)
SESSION_UPLOAD_BYTES = 128 * MB  # decoded uploaded data of one session
SERVER_UPLOAD_BYTES = 256 * MB  # decoded uploaded data of all sessions together
MAX_STEPS = 1_000_000  # steps one run may ask for in the app (the CLI has no such limit)
MAX_TRAIN_S = 20 * 60  # training time of one run in the app (pauses not counted)
UPLOAD_PREFIX = "upload:"  # config.dataset of a session's uploaded data ("upload:<name>")
