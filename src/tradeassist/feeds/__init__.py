"""Market data in: DBN files, the simulator, Databento Live, reference data."""
