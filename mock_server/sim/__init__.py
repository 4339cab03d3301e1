"""State and behaviour of the simulated service: clock, contract, lifecycle, jobs, faults, money, journal.

Nothing in this package knows HTTP: it imports no web framework and nothing of the harness (a test guards
that), so a reader finds every decision here and every transport detail in `mock_server.web`.
"""
