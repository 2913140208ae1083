// The TypeScript end of popoto_peer.py: one long-lived Python Popoto process per test file,
// driven by JSON lines (importing Popoto with pandas takes most of a second; a process per call
// would make the suite slow). Values cross as tagged JSON (see popoto_peer.py).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { datetimeFromIso } from '../../src/models/index.js';
import { microsOf } from '../../src/models/datetime.js';
import { interopSetup, PEER_SCRIPT } from './availability.js';

/** A record as Python Popoto loaded it: its key, its values (tagged JSON, see `fromPython`) and Python's repr() of each field. */
export interface PyRecord {
  key: string;
  values: Record<string, unknown>;
  repr: Record<string, string>;
}

/** A message a Popoto Subscriber's handle() received. */
export interface PyMessage {
  channel: string;
  value: unknown;
  repr: string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A running Python Popoto 0.8.3 connected to `redisUrl`. */
export class PythonPopoto {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderr = '';
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) pending?.resolve(reply.result);
      else pending?.reject(new Error(`Python Popoto: ${reply.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`the Python Popoto peer exited (${signal ?? code}): ${this.stderr}`);
      for (const pending of this.pending.values()) pending.reject(this.exited);
      this.pending.clear();
    });
  }

  /** Starts the peer on `redisUrl` and waits until Popoto is imported; resolves with it. */
  static async start(redisUrl: string): Promise<PythonPopoto> {
    const { python, popotoPath } = interopSetup();
    const child = spawn(python, [PEER_SCRIPT], {
      env: { ...process.env, PYTHONPATH: `${popotoPath}:${dirname(PEER_SCRIPT)}`, REDIS_URL: redisUrl, TZ: 'UTC' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new PythonPopoto(child);
    const { popoto } = await peer.call<{ popoto: string }>('ping');
    if (!popoto.startsWith(popotoPath)) throw new Error(`the peer imported popoto from ${popoto}, not ${popotoPath}`);
    return peer;
  }

  /** Sends one request; resolves with its result, rejects with Python's exception as `Python Popoto: Type: message`. */
  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, ...args }, toPythonReplacer)}\n`);
    });
  }

  /** `Model.create(**values)`. */
  create(model: string, values: Record<string, unknown>): Promise<PyRecord> {
    return this.call('create', { model, values });
  }

  /** `Model.query.get(**keys)`, null when Popoto returns None. */
  get(model: string, keys: Record<string, unknown>): Promise<PyRecord | null> {
    return this.call('get', { model, keys });
  }

  /** `Model.query.get(redis_key=key)`. */
  getKey(model: string, key: string): Promise<PyRecord | null> {
    return this.call('get_key', { model, key });
  }

  /** `Query.get_many_objects(Model, keys)`: Popoto's own multi-record read (missing records are left out). */
  getMany(model: string, redisKeys: string[]): Promise<PyRecord[]> {
    return this.call('get_many', { model, redis_keys: redisKeys });
  }

  /** `Model.query.filter(**params)`. */
  filter(model: string, params: Record<string, unknown>): Promise<PyRecord[]> {
    return this.call('filter', { model, params });
  }

  /** `Model.query.all()`. */
  all(model: string): Promise<PyRecord[]> {
    return this.call('all', { model });
  }

  /** `Model.query.count(**params)`. */
  count(model: string, params: Record<string, unknown> = {}): Promise<number> {
    return this.call('count', { model, params });
  }

  /**
   * `Model.query.keys()`, sorted: with its defaults (no `catchall`, no `clean`) Popoto reads the
   * model's class set (SMEMBERS), never the Redis KEYS command, so only the model's own records.
   */
  keys(model: string): Promise<string[]> {
    return this.call('keys', { model });
  }

  /** Loads the record at `key`, sets `changes` on it and saves it (a key field change moves it); resolves with it. */
  update(model: string, key: string, changes: Record<string, unknown>): Promise<PyRecord> {
    return this.call('update', { model, key, changes });
  }

  /** Loads the record at `key` and calls its `delete()`. */
  delete(model: string, key: string): Promise<boolean> {
    return this.call('delete', { model, key });
  }

  /** PEXPIRE on a record's hash (Popoto 0.8.3's save() has no TTL; a Python service uses Redis for it). */
  expire(key: string, ms: number): Promise<boolean> {
    return this.call('redis_expire', { key, ms });
  }

  /** Stops the peer. */
  async close(): Promise<void> {
    if (this.exited !== undefined) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A Date as the ISO text Python's `datetime.fromisoformat` reads, microseconds included. */
function isoOf(date: Date): string {
  const micros = date.getUTCMilliseconds() * 1000 + microsOf(date);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(micros, 6)}`
  );
}

function toPythonReplacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify calls Date's toJSON before the replacer: read the Date itself.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return { $datetime: isoOf(raw) };
  if (typeof value === 'bigint') return { $int: value.toString() };
  return value;
}

/** Tags for values JSON cannot say, for requests: a Python date, an explicit float, a tuple... */
export const py = {
  /** `datetime.date` from `YYYY-MM-DD`. */
  date: (iso: string) => ({ $date: iso }),
  /** `Decimal(text)`. */
  decimal: (text: string) => ({ $decimal: text }),
  /** A Python float even when integral (JSON `1` would be an int). */
  float: (value: number) => ({ $float: value }),
  /** A Python tuple. */
  tuple: (...items: unknown[]) => ({ $tuple: items }),
  /** A Python dict with exactly these keys in this order (any key types). */
  dict: (...pairs: [unknown, unknown][]) => ({ $dict: pairs }),
};

/** A tagged JSON value from the peer as the JS value popoto-ts would hold for it. */
export function fromPython(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromPython);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const [tag] = Object.keys(record);
  if (Object.keys(record).length === 1 && tag?.startsWith('$')) {
    const inner = record[tag];
    switch (tag) {
      case '$datetime':
        return datetimeFromIso(inner as string);
      case '$date':
        return new Date(`${inner as string}T00:00:00Z`);
      case '$decimal':
        return inner;
      case '$int':
        return BigInt(inner as string);
      case '$float':
        return Number(inner);
      case '$tuple':
      case '$set':
        return (inner as unknown[]).map(fromPython);
      default:
        return value;
    }
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromPython(v)]));
}
