"use client";

import { useCallback, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { type AlertStats, type Schemas, api, unwrap } from "@/api/client";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { formatUsd, humanType, pnlClass } from "@/lib/format";
import { useApi } from "@/lib/useApi";

type Outcome = Schemas["OutcomeStatsPublic"];

const RANGES = [
  { label: "24 h", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
] as const;

export default function StatsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Statistics</h1>
      <RequireToken>{() => <Stats />}</RequireToken>
    </div>
  );
}

function Stats() {
  const [days, setDays] = useState<number>(1);
  const load = useCallback(() => {
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    return unwrap(api().GET("/alerts/stats", { params: { query: { since, top: 10 } } }));
  }, [days]);
  const { state, reload } = useApi(load);
  return (
    <>
      <div role="group" aria-label="Time range" className="flex gap-1">
        {RANGES.map((r) => (
          <button
            key={r.days}
            type="button"
            aria-pressed={days === r.days}
            onClick={() => setDays(r.days)}
            className={`rounded-md px-3 py-1.5 text-sm ${days === r.days ? "bg-slate-900 text-white" : "border border-slate-300 bg-white"}`}
          >
            {r.label}
          </button>
        ))}
      </div>
      {state.status === "loading" ? <Loading /> : null}
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" ? <StatsView stats={state.data} /> : null}
    </>
  );
}

function StatsView({ stats }: { stats: AlertStats }) {
  if (stats.total === 0) return <Empty>No alerts in this period.</Empty>;
  const outcomes = stats.outcomes ?? [];
  const byType = stats.by_type.map((t) => ({ name: humanType(t.alert_type), count: t.count }));
  // Every hour of the day, zero-filled, so gaps show as gaps and the axis never jumps.
  const hours = new Map(stats.by_hour.map((h) => [h.hour, h.count]));
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour: `${hour}`.padStart(2, "0"), count: hours.get(hour) ?? 0 }));
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <Card title={`Alerts by type (${stats.total} total)`}>
        <div className="h-72">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={byType} layout="vertical" margin={{ left: 8, right: 16 }}>
              <CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <XAxis type="number" allowDecimals={false} />
              <YAxis type="category" dataKey="name" width={130} tick={{ fontSize: 12 }} />
              <Tooltip />
              <Bar dataKey="count" fill="#0f172a" name="Alerts" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title="Alerts by hour (US/Eastern)">
        <div className="h-72">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={byHour} margin={{ right: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="hour" tick={{ fontSize: 11 }} interval={1} />
              <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11 }} />
              <Tooltip />
              <Bar dataKey="count" fill="#0369a1" name="Alerts" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title="Top symbols">
        {stats.top_symbols.length === 0 ? (
          <Empty>No symbols.</Empty>
        ) : (
          <div className="h-72">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={stats.top_symbols} layout="vertical" margin={{ left: 8, right: 16 }}>
                <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" allowDecimals={false} />
                <YAxis type="category" dataKey="symbol" width={60} tick={{ fontSize: 12 }} />
                <Tooltip />
                <Bar dataKey="count" fill="#7c3aed" name="Alerts" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title="Outcomes by alert type">
        <Scorecard outcomes={outcomes} />
      </Card>
    </div>
  );
}

// Forward-return horizons in the order a trader reads them; any other key the API adds follows.
const HORIZONS = ["1m", "5m", "30m", "close", "1d", "5d"];

function pct(value: number | null | undefined, digits: number): string {
  return typeof value === "number" ? `${value > 0 ? "+" : ""}${(value * 100).toFixed(digits)}%` : "—";
}

/** Hit rate and mean forward returns per alert type, once alerts have been graded. */
function Scorecard({ outcomes }: { outcomes: Outcome[] }) {
  if (outcomes.length === 0) {
    return (
      <Empty>
        No graded alerts yet. An alert is graded once its 30-minute horizon has passed (from the stored 1-minute bars); hit rates and mean returns
        per type appear here then.
      </Empty>
    );
  }
  const seen = new Set(outcomes.flatMap((o) => Object.keys(o.mean_return ?? {})));
  const horizons = [...HORIZONS.filter((h) => seen.has(h)), ...[...seen].filter((h) => !HORIZONS.includes(h)).sort()];
  return (
    <div className="-mx-4 overflow-x-auto px-4">
      <table className="w-full text-sm" aria-label="Outcomes by alert type">
        <thead className="text-left text-xs text-slate-500">
          <tr>
            <th className="py-1 pr-2">Type</th>
            <th className="py-1 pr-2 text-right">Graded</th>
            <th className="py-1 pr-2 text-right">Hit rate</th>
            {horizons.map((h) => (
              <th key={h} className="py-1 pr-2 text-right">
                Mean {h}
              </th>
            ))}
            <th className="py-1 pr-2 text-right" title="Mean maximum favourable / adverse excursion">
              MFE / MAE
            </th>
            <th className="py-1 text-right" title="Paper trades simulated with the lifecycle's rules">
              Sim. P&amp;L
            </th>
          </tr>
        </thead>
        <tbody>
          {outcomes.map((o) => (
            <tr key={o.alert_type} className="border-t border-slate-100">
              <td className="py-1 pr-2">{humanType(o.alert_type)}</td>
              <td className="py-1 pr-2 text-right font-mono">{o.graded}</td>
              <td className="py-1 pr-2 text-right font-mono">{typeof o.hit_rate === "number" ? `${(o.hit_rate * 100).toFixed(0)}%` : "—"}</td>
              {horizons.map((h) => {
                const value = o.mean_return?.[h];
                return (
                  <td key={h} className={`py-1 pr-2 text-right font-mono ${pnlClass(value)}`}>
                    {pct(value, 2)}
                  </td>
                );
              })}
              <td className="py-1 pr-2 text-right font-mono whitespace-nowrap">
                {pct(o.mean_mfe, 1)} / {pct(o.mean_mae, 1)}
              </td>
              <td className={`py-1 text-right font-mono whitespace-nowrap ${o.trades ? pnlClass(o.total_pnl) : ""}`}>
                {o.trades ? `${formatUsd(o.total_pnl)} (${o.trades})` : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-slate-500">
        Returns are signed in the alert&apos;s direction (a gap down that keeps falling is positive); a hit is a positive 30-minute return.
      </p>
    </div>
  );
}
