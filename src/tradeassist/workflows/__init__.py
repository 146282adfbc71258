"""The trade lifecycle on Temporal (PRODUCT.md section 7).

``workflows.py`` holds the ``TradeLifecycle`` workflow, ``activities.py`` its
side effects, ``inputs.py`` the payloads, ``worker.py`` the worker,
``desk.py`` the ``TradeDesk`` port for the conversation layer, ``watcher.py``
the tick-to-signal filter, ``risk.py`` and ``levels.py`` the pure rules and
``devserver.py`` the bundled dev server. Nothing is imported here: Temporal's
sandbox re-imports this package for every workflow run.
"""
