"""Time-driven work: jobs open their own sessions and call the same domain functions as the handlers.

Imports `handlers` (texts and message rendering) and `models`, never `bot`: what a job needs from the configuration
comes in `context.JobContext`, built by `bot`.
"""
