"use client";

import { type FormEvent, useCallback, useState } from "react";

import { ApiError, type Subscription, type SubscriptionCreate, api, unwrap } from "@/api/client";
import { subscriptionCreateChannelsAnyOf0Values } from "@/api/schema";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { ALERT_TYPES, parseSymbols } from "@/lib/alertTypes";
import { humanType } from "@/lib/format";
import { useApi } from "@/lib/useApi";

// The channels the API accepts, from its schema (`npm run gen:api`).
type Channel = (typeof subscriptionCreateChannelsAnyOf0Values)[number];
const CHANNELS = subscriptionCreateChannelsAnyOf0Values;

export default function SettingsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Alert subscriptions</h1>
      <RequireToken>{() => <Subscriptions />}</RequireToken>
    </div>
  );
}

function Subscriptions() {
  const load = useCallback(() => unwrap(api().GET("/users/me/subscriptions")), []);
  const { state, reload } = useApi(load);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const remove = async (sub: Subscription) => {
    if (!window.confirm(`Delete subscription “${sub.name}”?`)) return;
    try {
      await unwrap(
        api().DELETE("/users/me/subscriptions/{subscription_id}", {
          params: { path: { subscription_id: sub.id } },
        }),
      );
      setFailure(null);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="Your subscriptions">
        {failure ? <ErrorBox error={failure} /> : null}
        {state.status === "loading" ? <Loading /> : null}
        {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
        {state.status === "ok" && state.data.data.length === 0 ? (
          <Empty>No subscriptions: you get no notifications yet. Add one with the form.</Empty>
        ) : null}
        {state.status === "ok" && state.data.data.length > 0 ? (
          <ul aria-label="Subscriptions" className="space-y-2">
            {state.data.data.map((sub) => (
              <li key={sub.id} className="rounded-lg border border-slate-200 p-3 text-sm">
                <div className="flex items-start justify-between gap-2">
                  <div className="min-w-0">
                    <p className="font-medium">
                      {sub.name}
                      {sub.enabled ? null : <span className="ml-2 text-xs text-slate-500">(paused)</span>}
                    </p>
                    <p className="text-slate-600">
                      {sub.alert_types ? sub.alert_types.map(humanType).join(", ") : "every type"} ·{" "}
                      {sub.symbols ? sub.symbols.join(", ") : "every symbol"}
                    </p>
                    <p className="text-xs text-slate-500">
                      via {(sub.channels ?? []).join(", ") || "—"}
                      {sub.min_pct_move !== null && sub.min_pct_move !== undefined ? ` · move ≥ ${sub.min_pct_move}%` : ""}
                    </p>
                  </div>
                  <button
                    type="button"
                    onClick={() => void remove(sub)}
                    className="shrink-0 rounded-md border border-rose-300 px-2 py-1 text-xs text-rose-700 hover:bg-rose-50"
                  >
                    Delete
                  </button>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </Card>
      <Card title="New subscription">
        {secret ? (
          <div role="status" className="mb-3 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm">
            Webhook secret (shown once, copy it now): <code className="break-all">{secret}</code>
          </div>
        ) : null}
        <NewSubscription
          onCreated={(created) => {
            setSecret(created);
            reload();
          }}
        />
      </Card>
    </div>
  );
}

function NewSubscription({ onCreated }: { onCreated: (webhookSecret: string | null) => void }) {
  const [name, setName] = useState("");
  const [types, setTypes] = useState<string[]>([]);
  const [symbols, setSymbols] = useState("");
  const [minPct, setMinPct] = useState("");
  const [channels, setChannels] = useState<Channel[]>(["websocket"]);
  const [webhookUrl, setWebhookUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const toggle = <T,>(list: T[], item: T): T[] => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: SubscriptionCreate = {
      name: name.trim() || null,
      alert_types: types.length > 0 ? types : null,
      symbols: parseSymbols(symbols).length > 0 ? parseSymbols(symbols) : null,
      min_pct_move: minPct.trim() ? Number(minPct) : null,
      channels,
      webhook_url: channels.includes("webhook") && webhookUrl.trim() ? webhookUrl.trim() : null,
    };
    setBusy(true);
    try {
      const created = await unwrap(api().POST("/users/me/subscriptions", { body }));
      setError(null);
      setName("");
      setTypes([]);
      setSymbols("");
      setMinPct("");
      onCreated(created.webhook_secret ?? null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-3 text-sm" aria-label="New subscription">
      {error ? <ErrorBox error={error} /> : null}
      <label className="block">
        <span className="text-xs text-slate-500">Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5" />
      </label>
      <fieldset>
        <legend className="text-xs text-slate-500">Alert types (none ticked: every type)</legend>
        <div className="mt-1 grid grid-cols-1 gap-1 sm:grid-cols-2">
          {ALERT_TYPES.map((t) => (
            <label key={t} className="flex items-center gap-2">
              <input type="checkbox" checked={types.includes(t)} onChange={() => setTypes(toggle(types, t))} />
              {humanType(t)}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="block">
        <span className="text-xs text-slate-500">Symbols, comma-separated (empty: every symbol)</span>
        <input value={symbols} onChange={(e) => setSymbols(e.target.value)} placeholder="AAPL, MSFT" className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 uppercase placeholder:normal-case" />
      </label>
      <label className="block">
        <span className="block text-xs text-slate-500">Minimum move, percent</span>
        <input type="number" min={0} step="any" value={minPct} onChange={(e) => setMinPct(e.target.value)} className="mt-1 w-32 rounded-md border border-slate-300 px-2 py-1.5" />
      </label>
      <fieldset>
        <legend className="text-xs text-slate-500">Channels</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {CHANNELS.map((c) => (
            <label key={c} className="flex items-center gap-2">
              <input type="checkbox" checked={channels.includes(c)} onChange={() => setChannels(toggle(channels, c))} />
              {c}
            </label>
          ))}
        </div>
      </fieldset>
      {channels.includes("webhook") ? (
        <label className="block">
          <span className="text-xs text-slate-500">Webhook URL</span>
          <input type="url" required value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
      ) : null}
      <button type="submit" disabled={busy} className="rounded-md bg-slate-900 px-4 py-2 font-medium text-white disabled:opacity-50">
        {busy ? "Saving…" : "Subscribe"}
      </button>
    </form>
  );
}
