"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";

import { api, unwrap } from "@/api/client";
import { AlertFilters, type Filter } from "@/components/AlertFilters";
import { AlertRow } from "@/components/AlertRow";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { chime, unlockChime } from "@/lib/chime";
import { useApi } from "@/lib/useApi";
import { type StreamStatus, useAlertStream } from "@/lib/useAlertStream";
import { usePreference } from "@/lib/usePreference";

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

interface CueProps {
  sound: boolean;
  flash: boolean;
  onSound: (on: boolean) => void;
  onFlash: (on: boolean) => void;
}

/** Sound and flash for new alerts, each remembered in this browser. */
function AlertCues({ sound, flash, onSound, onFlash }: CueProps) {
  return (
    <div role="group" aria-label="New-alert cues" className="flex items-center gap-3 text-xs text-slate-600">
      <label className="flex items-center gap-1.5">
        <input type="checkbox" checked={flash} onChange={(e) => onFlash(e.target.checked)} />
        Flash
      </label>
      <label className="flex items-center gap-1.5">
        <input
          type="checkbox"
          checked={sound}
          onChange={(e) => {
            if (e.target.checked) unlockChime(); // audio needs this click
            onSound(e.target.checked);
          }}
        />
        Sound
      </label>
    </div>
  );
}

function LiveFeed({ token }: { token: string }) {
  const [filter, setFilter] = useState<Filter>({ symbol: "", alertType: "" });
  const [sound, setSound] = usePreference("sound", false);
  const [flash, setFlash] = usePreference("flash", true);
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
  // Alerts newer than the REST page arrived over the stream: those are the new ones.
  const seedMax = seed ? seed.reduce((max, a) => Math.max(max, a.id), 0) : Number.MAX_SAFE_INTEGER;
  const newest = alerts[0]?.id ?? 0;
  const heard = useRef(0);
  useEffect(() => {
    if (sound && newest > seedMax && newest > heard.current) chime();
    heard.current = Math.max(heard.current, newest);
  }, [sound, newest, seedMax]);

  return (
    <Card title="Feed" actions={state.status === "ok" ? <StatusBadge status={status} /> : null}>
      <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <AlertFilters value={filter} onChange={setFilter} />
        <AlertCues sound={sound} flash={flash} onSound={setSound} onFlash={setFlash} />
      </div>
      {state.status === "ok" && status.kind === "reconnecting" ? (
        <p role="alert" className="mb-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Lost the live connection; reconnecting. Alerts fired meanwhile appear once it is back.
        </p>
      ) : null}
      {state.status === "ok" && status.kind === "stopped" ? (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">
          The live feed stopped: {status.reason}.{" "}
          <Link href="/signin/" className="font-medium underline">
            Sign in
          </Link>{" "}
          with a JWT (such as the admin token <code>tradeassist run</code> printed) to follow new alerts.
        </p>
      ) : null}
      {state.status === "loading" ? <Loading label="Loading recent alerts…" /> : null}
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" && alerts.length === 0 ? (
        <Empty>No alerts yet{filter.symbol || filter.alertType ? " for this filter" : ""}. New ones appear here as they fire.</Empty>
      ) : null}
      {state.status === "ok" && alerts.length > 0 ? (
        <ul aria-label="Alerts" className="-mx-3 divide-slate-100">
          {alerts.map((alert) => (
            <AlertRow key={alert.id} alert={alert} flash={flash && alert.id > seedMax} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}
