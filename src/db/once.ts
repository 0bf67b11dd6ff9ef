import mongoose, { Schema } from 'mongoose';

/**
 * Data migrations that run once per database (not at every start): `runOnce(name, fn)` runs `fn` unless a
 * completed run of `name` is recorded. `fn` must be idempotent: instances starting together, or a crash
 * before the record, may run it again.
 */
interface MigrationDoc {
  _id: string;
  finishedAt: Date;
  result: unknown;
}
const migrationSchema = new Schema<MigrationDoc>({ _id: String, finishedAt: Date, result: Schema.Types.Mixed }, { collection: 'migrations', versionKey: false });
export const MigrationModel = mongoose.model<MigrationDoc>('Migration', migrationSchema);

export async function runOnce<T>(name: string, fn: () => Promise<T>): Promise<{ ran: boolean; result?: T }> {
  if (await MigrationModel.exists({ _id: name })) return { ran: false };
  const result = await fn();
  await MigrationModel.updateOne({ _id: name }, { $set: { finishedAt: new Date(), result } }, { upsert: true });
  return { ran: true, result };
}
