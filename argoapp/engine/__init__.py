"""The pure reconcile: (workflow, observed world, now) -> (new workflow, actions).

Nothing in this package awaits, sleeps, reads the clock, makes random ids or does I/O. The
controller feeds it what its informers saw and performs the actions it returns.
"""
