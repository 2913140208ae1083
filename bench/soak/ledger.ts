// What the soak's load did, as the load saw it: every write started, acknowledged or reported
// failed; every promise still pending; every message published and received; ops and errors per
// second. The invariants (invariants.ts) compare it with what Redis holds at the end.

/** The write paths under test, each with its own key space. */
export const WRITE_KINDS = ['setMany', 'command', 'modelSave'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** One key's history: its last acknowledged value, and values reported failed since (they may have been applied). */
export interface KeyHistory {
  kind: WriteKind;
  acked?: { value: string; at: number };
  maybe: string[];
}

/** Counts of one second of the run. */
export interface Second {
  ops: Record<string, number>;
  errors: Record<string, number>;
}

/** A reported failure, kept for the report (the first few of each kind in full). */
export interface ReportedFailure {
  kind: string;
  at: number;
  error: string;
}

export class Ledger {
  readonly started = Date.now();
  readonly keys = new Map<string, KeyHistory>();
  /** Writes started and not yet acknowledged or reported failed. */
  readonly inFlight = new Map<string, WriteKind>();
  readonly failures: ReportedFailure[] = [];
  readonly failedByKind: Record<string, number> = {};
  readonly seconds: Second[] = [];
  /** Promises the load started (other than background tasks, which the library tracks). */
  readonly pending = new Set<Promise<unknown>>();
  /** Sequence numbers published (acknowledged), with when. */
  readonly published = new Map<number, number>();
  /** Sequence numbers received, in order of arrival (duplicates kept). */
  readonly received: number[] = [];
  /** Messages whose payload was not what was published. */
  corrupt = 0;
  unhandledRejections: string[] = [];

  #second(at = Date.now()): Second {
    const index = Math.floor((at - this.started) / 1000);
    while (this.seconds.length <= index) this.seconds.push({ ops: {}, errors: {} });
    return this.seconds[index]!;
  }

  /** Counts `n` operations of `kind` now. */
  count(kind: string, n = 1): void {
    const second = this.#second();
    second.ops[kind] = (second.ops[kind] ?? 0) + n;
  }

  /** Counts an error of `kind` now (a read, or a write: see `failed`), keeping the first few. */
  error(kind: string, error: unknown, n = 1): void {
    const second = this.#second();
    second.errors[kind] = (second.errors[kind] ?? 0) + n;
    this.failedByKind[kind] = (this.failedByKind[kind] ?? 0) + n;
    if (this.failures.filter((f) => f.kind === kind).length < 5) {
      this.failures.push({
        kind,
        at: Date.now() - this.started,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** A write of `value` to `key` is about to be sent. */
  sending(kind: WriteKind, key: string): void {
    this.inFlight.set(key, kind);
  }

  /** Redis acknowledged the write. */
  acked(kind: WriteKind, key: string, value: string): void {
    this.inFlight.delete(key);
    this.keys.set(key, { kind, acked: { value, at: Date.now() }, maybe: [] });
    this.count(kind);
  }

  /** The write was reported failed (it may still have been applied). */
  failed(kind: WriteKind, key: string, value: string, error: unknown): void {
    this.inFlight.delete(key);
    const history = this.keys.get(key) ?? { kind, maybe: [] };
    history.maybe.push(value);
    this.keys.set(key, history);
    this.error(kind, error);
  }

  /** Keeps `promise` in `pending` until it settles (its outcome is the caller's to handle). */
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = (): void => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
