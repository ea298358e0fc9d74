/** Small shared pieces of the pages: async data, status messages for screen readers, dates, confirmations. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html";
import { ApiError } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload()); keeps the last data while a reload is in flight. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (err: unknown) => live && setState({ error: message(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** A status line announced to screen readers (role=status) or, for failures, as an alert. */
export function Status({ error, ok }: { error?: string | undefined; ok?: string | undefined }) {
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (ok) return html`<p class="ok" role="status">${ok}</p>`;
  return html`<p class="sr-only" role="status"></p>`;
}

export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** Runs an action, reporting its outcome in the page's status line. */
export function useAction(): [{ error?: string | undefined; ok?: string | undefined; busy: boolean }, (label: string, fn: () => Promise<unknown>) => Promise<boolean>] {
  const [state, setState] = useState<{ error?: string | undefined; ok?: string | undefined; busy: boolean }>({ busy: false });
  const run = useCallback(async (label: string, fn: () => Promise<unknown>) => {
    setState({ busy: true });
    try {
      await fn();
      setState({ ok: label, busy: false });
      return true;
    } catch (err) {
      setState({ error: message(err), busy: false });
      return false;
    }
  }, []);
  return [state, run];
}

export function Loading({ what }: { what: string }) {
  return html`<p role="status" aria-live="polite">Loading ${what}…</p>`;
}
