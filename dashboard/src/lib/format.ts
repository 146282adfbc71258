/** Display helpers. Market times are shown in US/Eastern, where the exchanges keep time. */

export const MARKET_TZ = "America/New_York";

const timeFmt = new Intl.DateTimeFormat("en-US", {
  timeZone: MARKET_TZ,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

const dateTimeFmt = new Intl.DateTimeFormat("en-US", {
  timeZone: MARKET_TZ,
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** Milliseconds since the epoch from nanoseconds (sub-millisecond digits dropped). */
export function nsToMs(ns: number): number {
  return Math.floor(ns / 1e6);
}

/** HH:MM:SS, US/Eastern. */
export function formatTime(ms: number): string {
  return timeFmt.format(new Date(ms));
}

/** "Nov 25, 09:31", US/Eastern. */
export function formatDateTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTimeFmt.format(date);
}

/** Dollars, or a dash for a missing value. */
export function formatUsd(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : usd.format(value);
}

/** A signed percent such as "+3.2%", or a dash. */
export function formatPct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return "—";
  return `${value > 0 ? "+" : ""}${value.toFixed(digits)}%`;
}

/** "gap_up" -> "gap up". */
export function humanType(alertType: string): string {
  return alertType.replaceAll("_", " ");
}

/** Tailwind text colour for a profit or loss. */
export function pnlClass(value: number | null | undefined): string {
  if (value === null || value === undefined || value === 0) return "text-slate-600";
  return value > 0 ? "text-emerald-700" : "text-rose-700";
}
