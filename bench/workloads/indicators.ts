// The CPU-bound kernel of the thread-pool rows, and a ThreadPool task module: technical
// indicators over one price series (what a price-history job computes per symbol). Plain
// JavaScript arithmetic, no I/O: it holds its thread for the whole computation.

/** Moving-average windows, in samples. */
const WINDOWS = [5, 10, 20, 50, 100, 200];

/** What the kernel returns for one series: small, so that copying it back costs nothing. */
export interface IndicatorSummary {
  /** Last simple moving average per window. */
  sma: number[];
  /** Last exponential moving average per window. */
  ema: number[];
  /** Standard deviation of the returns. */
  volatility: number;
  /** Largest peak-to-trough fall, as a fraction of the peak. */
  maxDrawdown: number;
}

/** Indicators of `prices`; every moving average is recomputed per sample, as a naive screener does. */
export function indicators(prices: ArrayLike<number>): IndicatorSummary {
  const n = prices.length;
  const sma: number[] = [];
  const ema: number[] = [];
  for (const window of WINDOWS) {
    let lastSma = 0;
    for (let i = window - 1; i < n; i++) {
      let sum = 0;
      for (let j = i - window + 1; j <= i; j++) sum += prices[j]!;
      lastSma = sum / window;
    }
    sma.push(lastSma);
    const k = 2 / (window + 1);
    let value = prices[0] ?? 0;
    for (let i = 1; i < n; i++) value = prices[i]! * k + value * (1 - k);
    ema.push(value);
  }
  let mean = 0;
  for (let i = 1; i < n; i++) mean += prices[i]! / prices[i - 1]! - 1;
  mean /= Math.max(1, n - 1);
  let variance = 0;
  let peak = -Infinity;
  let maxDrawdown = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) variance += (prices[i]! / prices[i - 1]! - 1 - mean) ** 2;
    peak = Math.max(peak, prices[i]!);
    maxDrawdown = Math.max(maxDrawdown, (peak - prices[i]!) / peak);
  }
  return { sma, ema, volatility: Math.sqrt(variance / Math.max(1, n - 1)), maxDrawdown };
}

/** A random walk of `length` prices from 100, deterministic per `seed`. */
export function priceSeries(length: number, seed: number): Float64Array {
  const prices = new Float64Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  let price = 100;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    price *= 1 + ((state / 2 ** 32) * 2 - 1) * 0.02;
    prices[i] = price;
  }
  return prices;
}

export default indicators;
