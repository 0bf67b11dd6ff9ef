import mongoose, { Schema } from 'mongoose';

/**
 * A year's official holiday schedule loaded by an administrator (`_id` = the year, so reads are point
 * reads). A new load of the same year replaces it; every load is in the audit log with what it replaced.
 */
export interface CalendarYearDoc {
  _id: number;
  holidays: string[];
  workdays: string[];
  source: string;
  loadedBy: string;
  loadedByName: string;
  loadedAt: Date;
  /** Loads of this year so far (1 = first). */
  revision: number;
}

const calendarYearSchema = new Schema<CalendarYearDoc>(
  {
    _id: { type: Number, required: true },
    holidays: { type: [String], required: true },
    workdays: { type: [String], required: true },
    source: { type: String, required: true },
    loadedBy: { type: String, required: true },
    loadedByName: { type: String, required: true },
    loadedAt: { type: Date, required: true },
    revision: { type: Number, required: true },
  },
  { collection: 'calendarYears', versionKey: false },
);

export const CalendarYearModel = mongoose.model<CalendarYearDoc>('CalendarYear', calendarYearSchema);
