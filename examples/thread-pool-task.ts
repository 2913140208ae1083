// The task module of thread-pool.ts: it runs inside the pool's worker threads. Its default
// export is the task: one price series in (as stored in Redis), its indicators out. Pure
// computation, no I/O: the kind of work that would block the event loop on the main thread.

/** What the task computes for one series. */
export interface Indicators {
  symbol: string;
  /** The last 20-day and 200-day simple moving averages. */
  sma20: number;
  sma200: number;
  /** Annualised volatility of the daily log returns. */
  volatility: number;
  /** Days on which the 20-day average crossed the 200-day one. */
  crossings: number;
}

export default function indicators(stored: string): Indicators {
  const { symbol, closes } = JSON.parse(stored) as { symbol: string; closes: number[] };
  const sma = (window: number, end: number): number => {
    let sum = 0;
    for (let i = end - window; i < end; i++) sum += closes[i]!;
    return sum / window;
  };
  let crossings = 0;
  let above: boolean | undefined;
  for (let day = 200; day <= closes.length; day++) {
    const now = sma(20, day) > sma(200, day);
    if (above !== undefined && now !== above) crossings++;
    above = now;
  }
  const returns = closes.slice(1).map((close, i) => Math.log(close / closes[i]!));
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  const round = (n: number): number => Math.round(n * 1e4) / 1e4;
  return {
    symbol,
    sma20: round(sma(20, closes.length)),
    sma200: round(sma(200, closes.length)),
    volatility: round(Math.sqrt(variance * 252)),
    crossings,
  };
}
