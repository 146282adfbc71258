"""Backtest and alert scorecard: replay history, grade every alert, simulate the trade rules.

Modules: ``grading`` (what the price did after an alert; pure), ``outcomes``
(outcome values), ``simulate_trades`` (the lifecycle's entry and exit rules on
bars; pure), ``stats`` (the scorecard per alert type; pure), ``bars`` (bar
columns), ``graded`` (graded alerts as columns), ``feed`` (the replay path over
one or more engines), ``collector`` (bars and alerts of a replay, graded per
day), ``daily_files`` and ``daily`` (the ``--daily`` mode), ``sweep``
(parameter grids), ``report`` (JSON, CSV, table), ``run`` (``run_backtest``),
``live`` (``grade_pending_alerts`` for stored alerts), ``persist`` (storing a
backtest's outcomes).
"""
