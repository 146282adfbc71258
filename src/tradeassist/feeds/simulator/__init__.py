"""A synthetic US-equity market day, written as a real Databento MBP-1 file.

``simulate_day(SimulationSpec(...), out=path)`` writes three files:

- ``<stem>.dbn`` or ``<stem>.dbn.zst``: DBN v3, MBP-1, with symbology mappings,
  records sorted by ``ts_recv``: quotes and trades of N symbols from 04:00 to
  20:00 ET, records and volume following the U-shaped intraday curve;
- ``<stem>.reference.csv``: ``symbol,prev_close,avg_volume``;
- ``<stem>.truth.json``: every planted event (gaps, volume spikes, breakouts)
  with the exact record that must trigger it under docs/screener-rules.md.

Modules: ``spec`` (inputs), ``profile`` (session clock and calm volume cap),
``universe`` (symbols), ``prices`` (price paths), ``columns`` and ``records``
(MBP-1 fields), ``events`` (planted designs), ``planted`` (their records),
``rules`` (reference detector rules), ``truth`` (ground truth), ``writer``
(files), ``day`` (the slice-by-slice loop).
"""

from tradeassist.feeds.simulator.day import simulate_day
from tradeassist.feeds.simulator.spec import PlantCounts, SimulationResult, SimulationSpec

__all__ = ["PlantCounts", "SimulationResult", "SimulationSpec", "simulate_day"]
