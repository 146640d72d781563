"""Time-driven work: jobs open their own sessions and call the same domain functions as the handlers."""
