import type { FilterQuery, Model, SortOrder } from 'mongoose';
import mongoose from 'mongoose';
import { AppError } from '../http/errors.js';

/**
 * Keyset (cursor) pagination over one sort field plus `_id` as tie-breaker.
 * The cursor is opaque to clients: base64url of `[lastValue, lastId]`.
 */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type Scalar = string | number | boolean | null;

export function encodeCursor(value: Scalar | Date, id: unknown): string {
  const v = value instanceof Date ? { $d: value.toISOString() } : value;
  return Buffer.from(JSON.stringify([v, String(id)]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [Scalar | Date, mongoose.Types.ObjectId] {
  try {
    const [v, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, string];
    if (!mongoose.isValidObjectId(id)) throw new Error('bad id');
    const value = v && typeof v === 'object' && '$d' in (v as object) ? new Date((v as { $d: string }).$d) : (v as Scalar);
    return [value, new mongoose.Types.ObjectId(id)];
  } catch {
    throw AppError.validation([{ path: 'query.cursor', message: '分页游标无效' }]);
  }
}

export async function paginate<T>(
  model: Model<T>,
  filter: FilterQuery<T>,
  page: PageRequest,
  sort: { field: string; order: 1 | -1 } = { field: '_id', order: 1 },
  projection?: Record<string, 0 | 1>,
): Promise<Page<T & { _id: mongoose.Types.ObjectId }>> {
  const { field, order } = sort;
  let query: FilterQuery<T> = filter;
  if (page.cursor) {
    const [lastValue, lastId] = decodeCursor(page.cursor);
    const cmp = order === 1 ? '$gt' : '$lt';
    const after =
      field === '_id'
        ? { _id: { [cmp]: lastId } }
        : { $or: [{ [field]: { [cmp]: lastValue } }, { [field]: lastValue, _id: { [cmp]: lastId } }] };
    query = { $and: [filter, after] } as FilterQuery<T>;
  }
  const sortSpec: Record<string, SortOrder> = field === '_id' ? { _id: order } : { [field]: order, _id: order };
  const docs = (await model
    .find(query, projection)
    .sort(sortSpec)
    .limit(page.limit + 1)
    .lean()) as unknown as (T & { _id: mongoose.Types.ObjectId })[];
  const hasMore = docs.length > page.limit;
  const items = hasMore ? docs.slice(0, page.limit) : docs;
  const last = items[items.length - 1] as Record<string, unknown> | undefined;
  return {
    items,
    nextCursor: hasMore && last ? encodeCursor(getPath(last, field) as Scalar | Date, last._id) : null,
  };
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o == null ? undefined : (o as Record<string, unknown>)[k]), obj);
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
