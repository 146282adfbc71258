"""The Databento adapter: record layouts and parsing (``parsing``), the DBN header
(``header``) and raw byte streams (``byte_stream``), shared by the DBN file reader
(``tradeassist.feeds.dbn_file``) and the live feed."""
