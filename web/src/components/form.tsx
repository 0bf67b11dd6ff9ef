/**
 * Form errors as the API reports them: each detail `{ path, message }` is shown next to the field of that path
 * (`changes.fineAmount` → the field `fineAmount` of a correction), the rest in a summary at the top. The first
 * invalid field gets the focus, so keyboard users land on it.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, type ErrorDetail } from '../api.js';
import { errorText } from './ui.js';

export interface FormErrors {
  /** Messages per field name. */
  fields: Record<string, string[]>;
  /** The error's message and the details no field shows. */
  summary: { message: string; details: ErrorDetail[] } | null;
}

const NONE: FormErrors = { fields: {}, summary: null };

/** Field name a detail path belongs to, among the form's fields: exact, a prefix (`penaltyTypes.0`), or after a prefix (`changes.x`). */
function fieldOf(path: string, names: string[], prefixes: string[]): string | undefined {
  let p = path;
  for (const pre of prefixes) if (p.startsWith(`${pre}.`)) p = p.slice(pre.length + 1);
  return names.find((n) => p === n || p.startsWith(`${n}.`) || p.startsWith(`${n}[`));
}

export function useFormErrors(names: string[], opts: { prefixes?: string[]; formId?: string } = {}) {
  const [errors, setErrors] = useState<FormErrors>(NONE);
  const prefixes = opts.prefixes ?? ['body', 'query'];
  return {
    errors,
    clear: () => setErrors(NONE),
    /** Distributes an API error over the fields; returns true when it was one. */
    show(error: unknown) {
      if (!(error instanceof ApiError)) {
        setErrors({ fields: {}, summary: { message: errorText(error), details: [] } });
        return;
      }
      const fields: Record<string, string[]> = {};
      const rest: ErrorDetail[] = [];
      for (const d of error.details) {
        const name = fieldOf(d.path, names, prefixes);
        if (name) (fields[name] ??= []).push(d.message);
        else rest.push(d);
      }
      setErrors({ fields, summary: { message: error.message, details: rest } });
      const first = names.find((n) => fields[n]);
      if (first && opts.formId) {
        requestAnimationFrame(() => (document.querySelector<HTMLElement>(`#${opts.formId} [name="${first}"]`) ?? undefined)?.focus());
      }
    },
    /** Props for an input: id, name, aria-invalid and aria-describedby pointing at its error. */
    input(name: string) {
      const id = `${opts.formId ?? 'f'}-${name}`;
      const bad = Boolean(errors.fields[name]);
      return { id, name, 'aria-invalid': bad ? ('true' as const) : undefined, 'aria-describedby': bad ? `${id}-error` : undefined };
    },
  };
}

export type FormErrorState = ReturnType<typeof useFormErrors>;

export function ErrorSummary({ form }: { form: FormErrorState }) {
  const s = form.errors.summary;
  if (!s) return null;
  const count = Object.values(form.errors.fields).reduce((n, m) => n + m.length, 0);
  return (
    <div class="alert alert-error" role="alert">
      <strong>{s.message}</strong>
      {count > 0 ? <p>共 {count} 处需要修改，已在对应字段下方标出。</p> : null}
      {s.details.length > 0 && (
        <ul>
          {s.details.map((d, i) => (
            <li key={i}>
              {d.path ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A labelled field with its hint and the API's messages for it. */
export function Field({ form, name, label, required, hint, children, wide }: { form: FormErrorState; name: string; label: string; required?: boolean; hint?: string; children: ComponentChildren; wide?: boolean }) {
  const { id } = form.input(name);
  const messages = form.errors.fields[name];
  return (
    <div class={`field ${wide ? 'field-wide' : ''} ${messages ? 'field-invalid' : ''}`}>
      <label for={id}>
        {label}
        {required ? (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {children}
      {hint ? <p class="hint">{hint}</p> : null}
      {messages ? (
        <p class="field-error" id={`${id}-error`} data-path={name}>
          {messages.join('；')}
        </p>
      ) : null}
    </div>
  );
}

/** A fieldset of checkboxes (the label is a legend, so Field is not used). */
export function CheckboxGroup({ form, name, legend, options, value, onChange, required }: { form: FormErrorState; name: string; legend: string; options: readonly string[]; value: string[]; onChange: (v: string[]) => void; required?: boolean }) {
  const messages = form.errors.fields[name];
  const { id } = form.input(name);
  return (
    <fieldset class={`field field-wide ${messages ? 'field-invalid' : ''}`} aria-describedby={messages ? `${id}-error` : undefined}>
      <legend>
        {legend}
        {required ? <span class="required"> *</span> : null}
      </legend>
      <div class="checks">
        {options.map((o, i) => (
          <label key={o} class="check">
            <input type="checkbox" name={name} id={i === 0 ? id : undefined} checked={value.includes(o)} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked ? [...value, o] : value.filter((x) => x !== o))} />
            {o}
          </label>
        ))}
      </div>
      {messages ? (
        <p class="field-error" id={`${id}-error`} data-path={name}>
          {messages.join('；')}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Value and input handler of one text field of a form kept as one state object (`{...bindText(v, setV, 'year')}`). */
export function bindText<V extends Record<string, string>>(v: V, setV: (next: V) => void, k: keyof V) {
  return { value: v[k], onInput: (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value }) };
}
