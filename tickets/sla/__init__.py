"""SLA clocks on the ticket row: the engine, the team-wide recompute, the sweep, policies and display.

Its state lives on the ticket and every ticket write calls the engine in the
same transaction, so it is a subpackage of ``tickets``, not an app.
"""
