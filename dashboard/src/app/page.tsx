"use client";

import { useCallback, useState } from "react";

import { api, unwrap } from "@/api/client";
import { AlertFilters, type Filter } from "@/components/AlertFilters";
import { AlertRow } from "@/components/AlertRow";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { useApi } from "@/lib/useApi";
import { type StreamStatus, useAlertStream } from "@/lib/useAlertStream";

export default function LivePage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Live alerts</h1>
      <RequireToken>{(token) => <LiveFeed token={token} />}</RequireToken>
    </div>
  );
}

function StatusBadge({ status }: { status: StreamStatus }) {
  const [text, cls] =
    status.kind === "live"
      ? ["Live", "bg-emerald-100 text-emerald-800"]
      : status.kind === "connecting"
        ? ["Connecting…", "bg-slate-100 text-slate-700"]
        : status.kind === "reconnecting"
          ? [`Reconnecting in ${Math.ceil(status.inMs / 1000)} s (attempt ${status.attempt})`, "bg-amber-100 text-amber-900"]
          : [`Stopped: ${status.reason}`, "bg-rose-100 text-rose-800"];
  return (
    <span role="status" aria-live="polite" data-stream-status={status.kind} className={`rounded-full px-2.5 py-1 text-xs font-medium ${cls}`}>
      {text}
    </span>
  );
}

function LiveFeed({ token }: { token: string }) {
  const [filter, setFilter] = useState<Filter>({ symbol: "", alertType: "" });
  const loadRecent = useCallback(
    () =>
      unwrap(
        api().GET("/alerts", {
          params: {
            query: {
              limit: 100,
              order: "desc",
              symbol: filter.symbol || undefined,
              alert_type: filter.alertType || undefined,
            },
          },
        }),
      ),
    [filter.symbol, filter.alertType],
  );
  const { state, reload } = useApi(loadRecent);
  const seed = state.status === "ok" ? state.data.data : null;
  const { alerts, status } = useAlertStream(token, filter, seed);

  return (
    <Card title="Feed" actions={state.status === "ok" ? <StatusBadge status={status} /> : null}>
      <div className="mb-3">
        <AlertFilters value={filter} onChange={setFilter} />
      </div>
      {state.status === "loading" ? <Loading label="Loading recent alerts…" /> : null}
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" && alerts.length === 0 ? (
        <Empty>No alerts yet{filter.symbol || filter.alertType ? " for this filter" : ""}. New ones appear here as they fire.</Empty>
      ) : null}
      {state.status === "ok" && alerts.length > 0 ? (
        <ul aria-label="Alerts" className="-mx-3 divide-slate-100">
          {alerts.map((alert) => (
            <AlertRow key={alert.id} alert={alert} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}
