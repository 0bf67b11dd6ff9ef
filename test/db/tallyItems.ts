/**
 * A small summarised collection for the tally tests (test/db/tally.test.ts and its child processes):
 * items counted per colour and size, and per colour alone.
 */
import mongoose, { Schema } from 'mongoose';
import { defineTally, tallied } from '../../src/db/tally.js';

export interface Item {
  _id: mongoose.Types.ObjectId;
  colour: string;
  size: number;
  tallyRev?: number;
}
const itemSchema = new Schema<Item>({ colour: String, size: Number }, { collection: 'tallyItems', versionKey: false });
itemSchema.plugin(tallied);
export const ItemModel = mongoose.model<Item>('TallyItem', itemSchema);

export const COLOURS = ['red', 'green', 'blue', 'a|b'];

defineTally<Item>({
  name: 'items',
  collection: () => ItemModel.collection,
  projection: { colour: 1, size: 1 },
  families: { itemsBySize: ['colour', 'size'], itemsByColour: ['colour'] },
  keysOf: (d) => [
    { family: 'itemsBySize', values: [d.colour, String(d.size)] },
    { family: 'itemsByColour', values: [d.colour], labels: { name: d.colour.toUpperCase() } },
  ],
});

/** One random write through the model (every write path the plugin marks). */
export async function randomWrite(rnd: () => number): Promise<void> {
  const colour = COLOURS[Math.floor(rnd() * COLOURS.length)]!;
  const size = Math.floor(rnd() * 3);
  const pick = async () => {
    const ids = await ItemModel.find({}, { _id: 1 }).lean();
    return ids[Math.floor(rnd() * ids.length)]?._id;
  };
  switch (Math.floor(rnd() * 6)) {
    case 0:
      await ItemModel.create({ colour, size });
      return;
    case 1:
      await ItemModel.insertMany([{ colour, size }, { colour: COLOURS[0], size }]);
      return;
    case 2: {
      const id = await pick();
      if (id) await ItemModel.updateOne({ _id: id }, { $set: { colour } });
      return;
    }
    case 3: {
      const id = await pick();
      if (id) await ItemModel.findOneAndUpdate({ _id: id }, { $inc: { size: 1 } });
      return;
    }
    case 4:
      await ItemModel.updateMany({ colour, size }, { $set: { size: (size + 1) % 3 } });
      return;
    default: {
      const id = await pick();
      await ItemModel.bulkWrite([
        { insertOne: { document: { colour, size } } },
        ...(id ? [{ updateOne: { filter: { _id: id }, update: { $set: { size } } } }] : []),
      ]);
    }
  }
}

/** A seeded pseudo-random generator (mulberry32), so a failure can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
