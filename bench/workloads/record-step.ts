// The CPU step of the mixed-job row, and a ThreadPool task module: one stored price-history
// record (JSON, as read from Redis) in, its indicators (JSON, to write back) out.
import { indicators } from './indicators.js';

/** A price-history record as stored in Redis. */
export interface PriceRecord {
  symbol: string;
  closes: number[];
}

export default function recordStep(raw: string): string {
  const record = JSON.parse(raw) as PriceRecord;
  return JSON.stringify({ symbol: record.symbol, ...indicators(record.closes) });
}
