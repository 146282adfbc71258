"""The live screener service: feed in, engine, alerts stored and published.

``service`` runs it (``run_screener``, ``serve_screener``); ``pipeline`` takes
feed batches through the engine; ``writer`` holds the store side: ``sink``
(alerts in batches), ``committer`` with ``store_process`` and ``alert_store``
(alerts and one-minute bars committed by a process of their own; bars as one
statement built by ``bar_upsert``), ``spool`` (alerts on local disk while the
database is down) and ``publisher`` (committed alerts to the bus); ``shards``
splits the symbol universe between processes; ``metrics`` holds the
Prometheus figures and the status ``/health/ready`` reads.
"""
