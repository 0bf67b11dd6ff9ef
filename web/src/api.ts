/**
 * The one way the console talks to the service: the public /api/v1 API, with the credential the user signed in
 * with (kept in sessionStorage only: gone when the tab closes). Errors come back as ApiError with the API's zh-CN
 * message and its field details ({ path, message }).
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type CredentialKind = 'apiKey' | 'bearer';
export interface Credential {
  kind: CredentialKind;
  value: string;
}

const STORAGE_KEY = 'credit-console.credential';
export const API_BASE = '/api/v1';
/** Fired on window when the service answers 401: the credential is dropped and the sign-in screen shows. */
export const SIGNED_OUT_EVENT = 'console:signed-out';

export function getCredential(): Credential | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as Credential;
    return c && (c.kind === 'apiKey' || c.kind === 'bearer') && typeof c.value === 'string' ? c : null;
  } catch {
    return null;
  }
}

export function setCredential(c: Credential): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
}

export function clearCredential(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

function authHeaders(c: Credential | null = getCredential()): Record<string, string> {
  if (!c) return {};
  return c.kind === 'apiKey' ? { 'X-API-Key': c.value } : { Authorization: `Bearer ${c.value}` };
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

/** Turns a non-2xx answer into an ApiError (the documented error shape, or a generic one). */
function toError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: ErrorDetail[]; requestId?: string } };
    if (body.error?.message) return new ApiError(status, body.error.code ?? 'ERROR', body.error.message, body.error.details ?? [], body.error.requestId);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, 'HTTP_ERROR', `服务返回错误（HTTP ${status}）`);
}

function signedOut(status: number): void {
  if (status === 401) window.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT));
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  /** JSON body. */
  json?: unknown;
  /** multipart/form-data body. */
  form?: FormData;
  /** A raw body (a file sent as it is, e.g. a batch comparison) and its Content-Type. */
  raw?: { body: Blob; type: string };
  /** Use this credential instead of the stored one (sign-in). */
  credential?: Credential;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders(opts.credential) };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  } else if (opts.raw) {
    headers['Content-Type'] = opts.raw.type;
    body = opts.raw.body;
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body });
  } catch {
    throw new ApiError(0, 'NETWORK', '无法连接服务，请检查网络后重试');
  }
  if (!res.ok) {
    if (!opts.credential) signedOut(res.status);
    throw toError(res.status, await res.text());
  }
  return res;
}

/** Calls the API and returns its JSON answer (undefined for 204). */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query) => api<T>(path, { query });
export const post = <T>(path: string, json: unknown = {}) => api<T>(path, { method: 'POST', json });

/** Reads a document the API serves as text (the listing notice and decision, HTML) with the credential. */
export async function getText(path: string, query?: Query): Promise<string> {
  return (await send(path, { query })).text();
}

/** Downloads a file the API serves (CSV, XLSX, evidence, decision letters) with the credential, as a save-as. */
export async function download(path: string, fileName: string, query?: Query): Promise<void> {
  const res = await send(path, { query });
  saveBlob(await res.blob(), fileName);
}

/** Offers a blob to the user as a save-as download named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name of a Content-Disposition header (`attachment; filename="x.csv"`), or null. */
function dispositionName(h: string | null): string | null {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(h ?? '');
  if (star) return decodeURIComponent(star[1]);
  return /filename="?([^";]+)"?/i.exec(h ?? '')?.[1] ?? null;
}

/**
 * Fetches a file the API answers with (a streamed export, a comparison's CSV answer), reporting the bytes received
 * so far (streamed answers have no length); answers the file, its name and the response headers (X-Export-Id…).
 */
export async function fetchFile(path: string, opts: RequestOptions = {}, onBytes?: (received: number, total: number | null) => void): Promise<{ blob: Blob; fileName: string | null; headers: Headers }> {
  const res = await send(path, opts);
  const total = Number(res.headers.get('content-length')) || null;
  const chunks: BlobPart[] = [];
  let received = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value as Uint8Array<ArrayBuffer>);
      received += value.length;
      onBytes?.(received, total);
    }
  }
  const blob = new Blob(chunks, { type: res.headers.get('content-type') ?? 'application/octet-stream' });
  return { blob, fileName: dispositionName(res.headers.get('content-disposition')), headers: res.headers };
}

/** Uploads a raw body (bulk import) with upload progress (fetch has none, so XMLHttpRequest). */
export function upload<T>(path: string, file: Blob, contentType: string, query: Query, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path, query));
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', '上传失败：无法连接服务'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText) as T);
      } else {
        signedOut(xhr.status);
        reject(toError(xhr.status, xhr.responseText));
      }
    };
    xhr.send(file);
  });
}

/** Every page of a cursor-paginated list (bounded: at most `maxPages` pages). */
export async function allPages<T>(path: string, query: Query = {}, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: { items: T[]; nextCursor: string | null } = await get(path, { ...query, limit: 500, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}
