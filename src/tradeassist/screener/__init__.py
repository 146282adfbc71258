"""The screener: pure engine over columnar per-symbol state, and its detectors."""
