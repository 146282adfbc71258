"use client";

import { type FormEvent, useState } from "react";

import { ALERT_TYPES } from "@/lib/alertTypes";
import { humanType } from "@/lib/format";

export interface Filter {
  symbol: string;
  alertType: string;
}

/** Type menu and symbol box; the symbol applies on submit so typing does not reconnect per key. */
export function AlertFilters({ value, onChange }: { value: Filter; onChange: (f: Filter) => void }) {
  const [symbol, setSymbol] = useState(value.symbol);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange({ ...value, symbol: symbol.trim().toUpperCase() });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Alert filters">
      <label className="flex flex-col text-xs text-slate-500">
        Type
        <select
          value={value.alertType}
          onChange={(e) => onChange({ ...value, alertType: e.target.value })}
          className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900"
        >
          <option value="">All types</option>
          {ALERT_TYPES.map((t) => (
            <option key={t} value={t}>
              {humanType(t)}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-xs text-slate-500">
        Symbol
        <input
          value={symbol}
          onChange={(e) => setSymbol(e.target.value)}
          placeholder="e.g. AAPL"
          className="mt-1 w-28 rounded-md border border-slate-300 px-2 py-1.5 text-sm uppercase text-slate-900 placeholder:normal-case"
        />
      </label>
      <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white">
        Apply
      </button>
      {value.symbol || value.alertType ? (
        <button
          type="button"
          onClick={() => {
            setSymbol("");
            onChange({ symbol: "", alertType: "" });
          }}
          className="px-2 py-1.5 text-sm text-slate-600 underline"
        >
          Clear
        </button>
      ) : null}
    </form>
  );
}
