"""Built-in detectors, one per file, registered as ``tradeassist.detectors`` entry points."""
