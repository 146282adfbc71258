"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useCallback, useEffect, useState } from "react";
import {
  Bar as VolumeBar,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { type Alert, type Bar, api, unwrap } from "@/api/client";
import { AlertRow } from "@/components/AlertRow";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { formatTime, formatUsd, humanType, nsToMs } from "@/lib/format";
import { useApi } from "@/lib/useApi";

// A static export has no dynamic routes, so the symbol travels as ?s=AAPL.
export default function SymbolPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Symbols</h1>
      <RequireToken>
        {() => (
          <Suspense fallback={<Loading />}>
            <SymbolView />
          </Suspense>
        )}
      </RequireToken>
    </div>
  );
}

/** `value`, once it has stopped changing for `ms` milliseconds (one search per pause, not per key). */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const SYMBOL_RE = /^[A-Za-z0-9.\-]{1,32}$/;

function SymbolView() {
  const params = useSearchParams();
  const raw = params.get("s")?.trim().toUpperCase() ?? "";
  const symbol = SYMBOL_RE.test(raw) ? raw : "";
  return (
    <>
      <SymbolSearch initial={symbol} />
      {raw && !symbol ? <Empty>“{raw}” is not a ticker.</Empty> : null}
      {symbol ? <SymbolDetail key={symbol} symbol={symbol} /> : null}
    </>
  );
}

function SymbolSearch({ initial }: { initial: string }) {
  const router = useRouter();
  const [query, setQuery] = useState(initial);
  const deferred = useDebounced(query.trim(), 250);
  const search = useCallback(
    () => unwrap(api().GET("/symbols", { params: { query: { q: deferred, limit: 20 } } })),
    [deferred],
  );
  const searchable = /^[A-Za-z0-9.\-/ ]{1,32}$/.test(deferred);
  const { state } = useApi(searchable ? search : null);
  const open = (event: FormEvent) => {
    event.preventDefault();
    const s = query.trim().toUpperCase();
    if (s) router.push(`/symbol/?s=${encodeURIComponent(s)}`);
  };
  return (
    <Card title="Search">
      <form onSubmit={open} role="search" className="flex gap-2">
        <input
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Ticker, e.g. AAPL"
          aria-label="Ticker"
          className="min-w-0 flex-1 rounded-md border border-slate-300 px-3 py-2 text-sm uppercase placeholder:normal-case"
        />
        <button type="submit" className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white">
          Open
        </button>
      </form>
      {searchable && deferred.toUpperCase() !== initial ? (
        <div className="mt-3">
          {state.status === "loading" ? <Loading label="Searching…" /> : null}
          {state.status === "error" ? <ErrorBox error={state.error} /> : null}
          {state.status === "ok" && state.data.data.length === 0 ? <Empty>No symbol starts with “{deferred}”.</Empty> : null}
          {state.status === "ok" && state.data.data.length > 0 ? (
            <ul aria-label="Matching symbols" className="flex flex-wrap gap-2">
              {state.data.data.map((s) => (
                <li key={s}>
                  <Link
                    href={`/symbol/?s=${encodeURIComponent(s)}`}
                    className="inline-block rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium hover:bg-slate-100"
                  >
                    {s}
                  </Link>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

/**
 * The bars to chart: the whole trading day of the symbol's newest alert
 * (04:00-20:00 US/Eastern lies inside 08:00 UTC to 02:00 UTC the next day,
 * summer or winter), so its alerts are on the chart even when the day is not
 * today; without alerts, the API's default (the last 24 hours).
 */
function sessionWindow(tradingDay: string | undefined): { since?: string; until?: string } {
  if (!tradingDay) return {};
  const start = Date.parse(`${tradingDay}T08:00:00Z`);
  if (Number.isNaN(start)) return {};
  return { since: new Date(start).toISOString(), until: new Date(start + 18 * 3_600_000).toISOString() };
}

interface ChartData {
  bars: Bar[];
  alerts: Alert[];
}

function SymbolDetail({ symbol }: { symbol: string }) {
  const load = useCallback(async (): Promise<ChartData> => {
    const alerts = await unwrap(api().GET("/alerts", { params: { query: { symbol, limit: 200, order: "desc" } } }));
    const range = sessionWindow(alerts.data[0]?.trading_day);
    const bars = await unwrap(api().GET("/symbols/{symbol}/bars", { params: { path: { symbol }, query: range } }));
    return { bars: bars.data, alerts: alerts.data };
  }, [symbol]);
  const { state, reload } = useApi(load);
  return (
    <>
      <Card title={`${symbol}: 1-minute bars`}>
        {state.status === "loading" ? <Loading label={`Loading ${symbol}…`} /> : null}
        {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
        {state.status === "ok" ? <BarsChart data={state.data} /> : null}
      </Card>
      {state.status === "ok" ? (
        <Card title={`${symbol}: alerts`}>
          {state.data.alerts.length === 0 ? (
            <Empty>No alerts for {symbol}.</Empty>
          ) : (
            <ul aria-label="Symbol alerts" className="-mx-3">
              {state.data.alerts.map((a) => (
                <AlertRow key={a.id} alert={a} />
              ))}
            </ul>
          )}
        </Card>
      ) : null}
    </>
  );
}

function BarsChart({ data }: { data: ChartData }) {
  if (data.bars.length === 0) return <Empty>No 1-minute bars for this symbol{data.alerts.length > 0 ? " on the day of its latest alert" : " in the last 24 hours"}.</Empty>;
  const points = data.bars.map((b) => ({ t: nsToMs(b.start_ns), close: b.close, volume: b.volume, high: b.high, low: b.low }));
  const first = points[0]?.t ?? 0;
  const last = (points[points.length - 1]?.t ?? 0) + 60_000;
  // Only alerts inside the charted window get a marker, at their trigger price.
  const markers = data.alerts
    .map((a) => ({ t: nsToMs(a.trigger_time_ns), price: a.trigger_price, type: humanType(a.alert_type) }))
    .filter((m) => m.t >= first && m.t < last);
  return (
    <div className="h-80 sm:h-96" data-alert-markers={markers.length}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={points} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[first, last]}
            tickFormatter={(t: number) => formatTime(t).slice(0, 5)}
            tick={{ fontSize: 11 }}
          />
          <YAxis yAxisId="price" domain={["auto", "auto"]} width={56} tick={{ fontSize: 11 }} />
          <YAxis yAxisId="volume" orientation="right" hide domain={[0, (max: number) => max * 4]} />
          <Tooltip
            labelFormatter={(t) => formatTime(Number(t))}
            formatter={(value, name) => (name === "Volume" ? Number(value).toLocaleString() : formatUsd(Number(value)))}
          />
          <VolumeBar yAxisId="volume" dataKey="volume" name="Volume" fill="#cbd5e1" isAnimationActive={false} />
          <Line yAxisId="price" dataKey="close" name="Close" stroke="#0f172a" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Scatter yAxisId="price" data={markers} dataKey="price" name="Alert" fill="#dc2626" shape="triangle" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
      <p className="mt-1 text-xs text-slate-500">
        Times US/Eastern. Red markers: alerts ({markers.length} in view).
      </p>
    </div>
  );
}
