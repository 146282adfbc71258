"use client";

import { useCallback, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { type AlertStats, api, unwrap } from "@/api/client";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { humanType } from "@/lib/format";
import { useApi } from "@/lib/useApi";

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
    <div className="grid gap-4 lg:grid-cols-2">
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
              <YAxis allowDecimals={false} width={36} />
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
      <Card title="Outcomes">
        {outcomes.length === 0 ? (
          <Empty>No graded alerts yet: outcomes fill in after the alerts are graded.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead className="text-left text-xs text-slate-500">
                <tr>
                  <th className="py-1 pr-2">Type</th>
                  <th className="py-1 pr-2 text-right">Graded</th>
                  <th className="py-1 pr-2 text-right">Hit rate</th>
                  <th className="py-1 text-right">Mean 30m</th>
                </tr>
              </thead>
              <tbody>
                {outcomes.map((o) => {
                  const mean30 = o.mean_return?.["30m"];
                  return (
                    <tr key={o.alert_type} className="border-t border-slate-100">
                      <td className="py-1 pr-2">{humanType(o.alert_type)}</td>
                      <td className="py-1 pr-2 text-right font-mono">{o.graded}</td>
                      <td className="py-1 pr-2 text-right font-mono">
                        {o.hit_rate === null || o.hit_rate === undefined ? "—" : `${(o.hit_rate * 100).toFixed(0)}%`}
                      </td>
                      <td className="py-1 text-right font-mono">
                        {typeof mean30 === "number" ? `${(mean30 * 100).toFixed(2)}%` : "—"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
