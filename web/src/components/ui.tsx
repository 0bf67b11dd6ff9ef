/** Small building blocks shared by every screen. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { TIER_COLORS, TIER_LABELS } from '../labels.js';
import type { Tier } from '../types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs an API call when `deps` change; `reload()` runs it again. */
export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="alert alert-error" role="alert">
      <strong>{errorText(error)}</strong>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              {d.path ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      )}
      {error instanceof ApiError && error.requestId ? <p class="muted small">请求编号：{error.requestId}</p> : null}
    </div>
  );
}

export function Loading({ what = '数据' }: { what?: string }) {
  return (
    <p class="muted" role="status">
      正在加载{what}…
    </p>
  );
}

/** Renders a loaded value: a spinner while loading, the error, or the content. */
export function Show<T>({ loaded, what, children }: { loaded: Loaded<T>; what?: string; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

export function Card({ title, children, id, class: cls }: { title?: string; children: ComponentChildren; id?: string; class?: string }) {
  return (
    <section class={`card ${cls ?? ''}`} id={id} aria-labelledby={title && id ? `${id}-title` : undefined}>
      {title ? <h2 id={id ? `${id}-title` : undefined}>{title}</h2> : null}
      {children}
    </section>
  );
}

export function TierBadge({ tier }: { tier: Tier }) {
  return (
    <span class="tier" style={{ background: TIER_COLORS[tier] }} title={TIER_LABELS[tier]} data-tier={tier}>
      {tier}
    </span>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'ok' | 'warn' | 'bad'; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/**
 * A data table. On phone widths each row becomes a block of "heading: value" lines (the headings are copied onto
 * the cells as data-label for the CSS); wider tables scroll sideways inside their card, never the page.
 */
export function Table({ head, children, caption, empty, label }: { head: string[]; children: ComponentChildren; caption?: string; empty?: boolean; label?: string }) {
  const table = useRef<HTMLTableElement>(null);
  useLayoutEffect(() => {
    for (const row of Array.from(table.current?.tBodies[0]?.rows ?? [])) {
      Array.from(row.cells).forEach((cell, i) => {
        cell.dataset.label = cell.colSpan > 1 ? '' : (head[i] ?? '');
      });
    }
  });
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label ?? caption ?? head.join('、')}>
      <table ref={table} class="stack">
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {empty ? (
            <tr>
              <td colSpan={head.length} class="muted">
                暂无数据
              </td>
            </tr>
          ) : (
            children
          )}
        </tbody>
      </table>
    </div>
  );
}

export function DefinitionList({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="deflist">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
