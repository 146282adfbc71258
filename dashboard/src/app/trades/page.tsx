"use client";

import Link from "next/link";
import { useCallback, useState } from "react";

import { type Trade, api, unwrap } from "@/api/client";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { formatDateTime, formatUsd, pnlClass } from "@/lib/format";
import { useApi } from "@/lib/useApi";

export default function TradesPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Trades and P&amp;L</h1>
      <p role="note" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
        <strong>Paper trading.</strong> These are simulated trades: no real orders are sent to any broker.
      </p>
      <RequireToken>
        {() => (
          <>
            <Positions />
            <Trades />
          </>
        )}
      </RequireToken>
    </div>
  );
}

function SymbolLink({ symbol }: { symbol: string }) {
  return (
    <Link href={`/symbol/?s=${encodeURIComponent(symbol)}`} className="font-semibold hover:underline">
      {symbol}
    </Link>
  );
}

function Positions() {
  const load = useCallback(() => unwrap(api().GET("/positions")), []);
  const { state, reload } = useApi(load);
  const total =
    state.status === "ok" ? state.data.data.reduce((sum, p) => sum + (p.unrealized_pnl ?? 0), 0) : null;
  return (
    <Card
      title="Open positions"
      actions={
        total !== null ? (
          <span className={`text-sm font-medium ${pnlClass(total)}`}>Unrealized {formatUsd(total)}</span>
        ) : null
      }
    >
      {state.status === "loading" ? <Loading /> : null}
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" && state.data.data.length === 0 ? <Empty>No open positions.</Empty> : null}
      {state.status === "ok" && state.data.data.length > 0 ? (
        <div className="-mx-4 overflow-x-auto px-4">
          <table className="w-full min-w-[34rem] text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 pr-2">Symbol</th>
                <th className="py-1 pr-2">Side</th>
                <th className="py-1 pr-2 text-right">Qty</th>
                <th className="py-1 pr-2 text-right">Entry</th>
                <th className="py-1 pr-2 text-right">Last</th>
                <th className="py-1 text-right">Unrealized</th>
              </tr>
            </thead>
            <tbody>
              {state.data.data.map((p) => (
                <tr key={p.trade_id} className="border-t border-slate-100">
                  <td className="py-1.5 pr-2"><SymbolLink symbol={p.symbol} /></td>
                  <td className="py-1.5 pr-2">{p.side}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{p.quantity}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{formatUsd(p.entry_price)}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{formatUsd(p.last_price)}</td>
                  <td className={`py-1.5 text-right font-mono ${pnlClass(p.unrealized_pnl)}`}>{formatUsd(p.unrealized_pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function Trades() {
  const [cursor, setCursor] = useState<string | null>(null);
  const [earlier, setEarlier] = useState<Trade[]>([]);
  const load = useCallback(
    () => unwrap(api().GET("/trades", { params: { query: { limit: 50, cursor: cursor ?? undefined } } })),
    [cursor],
  );
  const { state, reload } = useApi(load);
  const trades = state.status === "ok" ? [...earlier, ...state.data.data] : earlier;
  const realized = trades.reduce((sum, t) => sum + (t.status === "closed" ? (t.pnl ?? 0) : 0), 0);
  const more = () => {
    if (state.status !== "ok" || !state.data.next_cursor) return;
    setEarlier(trades);
    setCursor(state.data.next_cursor);
  };
  return (
    <Card
      title="Trades"
      actions={
        trades.length > 0 ? (
          <span className={`text-sm font-medium ${pnlClass(realized)}`}>Realized (shown) {formatUsd(realized)}</span>
        ) : null
      }
    >
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" && trades.length === 0 ? <Empty>No trades yet.</Empty> : null}
      {trades.length > 0 ? (
        <div className="-mx-4 overflow-x-auto px-4">
          <table className="w-full min-w-[40rem] text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 pr-2">Opened</th>
                <th className="py-1 pr-2">Symbol</th>
                <th className="py-1 pr-2">Side</th>
                <th className="py-1 pr-2 text-right">Qty</th>
                <th className="py-1 pr-2 text-right">Entry</th>
                <th className="py-1 pr-2 text-right">Exit</th>
                <th className="py-1 pr-2">Status</th>
                <th className="py-1 text-right">P&amp;L</th>
              </tr>
            </thead>
            <tbody>
              {trades.map((t) => (
                <tr key={t.id} className="border-t border-slate-100">
                  <td className="py-1.5 pr-2 text-slate-600">{formatDateTime(t.entry_time ?? t.created_at)}</td>
                  <td className="py-1.5 pr-2"><SymbolLink symbol={t.symbol} /></td>
                  <td className="py-1.5 pr-2">{t.side}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{t.quantity}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{formatUsd(t.entry_price)}</td>
                  <td className="py-1.5 pr-2 text-right font-mono">{formatUsd(t.exit_price)}</td>
                  <td className="py-1.5 pr-2">{t.status}</td>
                  <td className={`py-1.5 text-right font-mono ${pnlClass(t.pnl)}`}>{formatUsd(t.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {state.status === "loading" ? <Loading /> : null}
      {state.status === "ok" && state.data.next_cursor ? (
        <button type="button" onClick={more} className="mt-3 rounded-md border border-slate-300 px-3 py-1.5 text-sm">
          Load more
        </button>
      ) : null}
    </Card>
  );
}
