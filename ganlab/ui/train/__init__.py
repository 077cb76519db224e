"""The Train tab: the form and presets, the live view (curves, samples, the 2D view and its layers, slow
motion, live settings), comparisons and forks, lesson links, uploads, replays and "Is it copying?"."""
