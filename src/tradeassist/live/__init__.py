"""The live screener service: feed in, engine, alerts stored and published.

``service`` runs it (``run_screener``); ``sink`` writes alerts and bars in
batches, ``spool`` keeps alerts on local disk while the database is down,
``shards`` splits the symbol universe between processes, ``metrics`` holds its
Prometheus figures and the status ``/health/ready`` reads.
"""
