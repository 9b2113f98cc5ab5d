"""Terminal output: the live progress bar, leaderboards, experiment lists."""
