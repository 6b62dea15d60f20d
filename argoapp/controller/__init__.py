"""The workflow controller: watches, work queues and the engine's actions (the engine issue)."""
