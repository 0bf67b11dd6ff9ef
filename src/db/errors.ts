/** A unique index refused the write: MongoDB's duplicate key error (E11000), which the embedded database answers alike. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 11000;
}
