import Link from "next/link";
import { memo } from "react";

import type { Alert } from "@/api/client";
import { formatPct, formatTime, formatUsd, humanType, nsToMs, pnlClass } from "@/lib/format";

/** One alert; `flash` highlights it briefly as it appears (new alerts on the live feed). */
export const AlertRow = memo(function AlertRow({ alert, flash = false }: { alert: Alert; flash?: boolean }) {
  return (
    <li
      data-alert-id={alert.id}
      className={`flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-100 px-3 py-2 text-sm last:border-0 ${flash ? "alert-flash" : ""}`}
    >
      <time className="w-16 shrink-0 font-mono text-xs text-slate-500" dateTime={alert.trigger_time}>
        {formatTime(nsToMs(alert.trigger_time_ns))}
      </time>
      <Link
        href={`/symbol/?s=${encodeURIComponent(alert.symbol)}`}
        className="w-16 shrink-0 font-semibold text-slate-900 underline-offset-2 hover:underline"
      >
        {alert.symbol}
      </Link>
      {/* On a phone the type goes on a second line, under the symbol, so prices stay aligned. */}
      <span className="order-last w-full pl-[4.75rem] sm:order-none sm:w-auto sm:pl-0">
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{humanType(alert.alert_type)}</span>
      </span>
      <span className="ml-auto font-mono">{formatUsd(alert.trigger_price)}</span>
      <span className={`w-16 text-right font-mono ${pnlClass(alert.pct_move)}`}>{formatPct(alert.pct_move)}</span>
    </li>
  );
});
