/** The alert types the screener raises (docs/screener-rules.md), for filter menus. */
export const ALERT_TYPES = [
  "gap_up",
  "gap_down",
  "volume_spike",
  "new_high_of_day",
  "new_low_of_day",
  "premarket_high_break",
  "opening_range_breakout",
  "vwap_reclaim",
  "vwap_loss",
  "trading_halt",
  "trading_resume",
] as const;

/** Symbols as the API takes them: upper-case tickers, comma-separated in the input. */
export function parseSymbols(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
}
