import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request context, carried across awaits so every log line of a request has its id. */
export interface RequestContext {
  requestId: string;
  principalId?: string;
  /** Client address (express `req.ip`, honouring `trust proxy`). */
  ip?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
