import { parseArgs } from 'node:util';

/**
 * A mistake in the command line: printed as one line on stderr, exit code 2. Not a PopotoError:
 * it never reaches a user of the package API (no entry point in package.json `exports` leads to
 * src/cli, and the bin, cli/main.ts, catches it), so there is nobody to give a stable code to;
 * what a shell sees of it is the exit code.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What the command line asks for. */
export type Invocation =
  | { command: 'help'; text: string }
  | { command: 'version' }
  | { command: 'demo'; records: number; json: boolean }
  | { command: 'doctor'; json: boolean };

const REDIS_NOTE = `Redis: REDIS_URL if set (redis://[user:password@]host:port[/db], rediss:// for TLS),
REDIS_CLUSTER_NODES=host:port,... for a cluster, else 127.0.0.1:6379, else a private
redis-server started for the run on a free port and stopped after it.`;

/** `popoto-ts --help`. */
export const USAGE = `Usage: popoto-ts <command> [options]

Commands:
  demo     restore a price history into models and run Popoto's three patterns,
           sequential vs popoto-ts, with progress; ends with a table
  doctor   check the Redis connection: target, server version, mode, database
  help     show this help, or a command's (popoto-ts help demo)

Options:
  -h, --help      show help; after a command, that command's (popoto-ts demo --help)
  -V, --version   print the version of popoto-ts

${REDIS_NOTE}

Exit codes: 0 done, 1 failed (no Redis, say), 2 usage error, 130/143 interrupted.
Benchmarks: \`npm run bench\` in a checkout of popoto-ts (their peers are development dependencies).
`;

/** The most records the demo takes: it holds them all in memory twice. */
export const MAX_RECORDS = 1_000_000;
const DEFAULT_RECORDS = 20_000;

const COMMANDS = {
  demo: {
    options: { records: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    help: `Usage: popoto-ts demo [--records N] [--json]

Restores N synthetic price-history records into Popoto-style models and runs Popoto's three
patterns on them: model saves with a TTL in the background (startNewThread), a bulk query over
10 key patterns, and a notification published per close price (runAllMultithreaded). Each runs
first one await at a time, then with popoto-ts; a progress bar (plain lines when stderr is not a
terminal) shows every phase. It ends with a table: step, items, seconds, items/s, speed-up.

Options:
  --records N   how many records: a whole number from 1 to ${MAX_RECORDS.toLocaleString('en-US')} (default ${DEFAULT_RECORDS.toLocaleString('en-US')})
  --json        print the results as JSON on stdout instead of the table (progress stays on stderr)
  -h, --help    show this help

Everything it writes is under a fresh prefix, popoto-demo:<random>:, deleted at the end and on
Ctrl-C (exit code 130).

${REDIS_NOTE}
`,
  },
  doctor: {
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    help: `Usage: popoto-ts doctor [--json]

Connects exactly as the library does and prints the target (password redacted), PING, the
server's version and mode, and the database index writes go to. Exit code 1 when it cannot
connect, with the reason in one line.

Options:
  --json        print the same as one JSON object
  -h, --help    show this help

${REDIS_NOTE}
`,
  },
} as const;

type CommandName = keyof typeof COMMANDS;
const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/**
 * Reads the command line. Throws a UsageError for anything it does not take: an unknown command
 * or option, an extra argument, a missing or malformed value.
 */
export function parseCommandLine(argv: string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command: demo or doctor (see popoto-ts --help)');
  if (first === '-h' || first === '--help' || first === 'help') {
    const [topic, extra] = first === 'help' ? rest : [];
    if (extra !== undefined) throw new UsageError(`unexpected argument ${quote(extra)} (see popoto-ts --help)`);
    if (topic === undefined) return { command: 'help', text: USAGE };
    if (!isCommand(topic)) throw unknownCommand(topic);
    return { command: 'help', text: COMMANDS[topic].help };
  }
  if (first === '-V' || first === '--version') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${quote(rest[0]!)} (see popoto-ts --help)`);
    return { command: 'version' };
  }
  if (first.startsWith('-')) {
    throw new UsageError(`unknown option ${quote(first)}${didYouMean(first, GLOBAL_OPTIONS)} (see popoto-ts --help)`);
  }
  if (!isCommand(first)) throw unknownCommand(first);

  const values = readOptions(first, rest);
  if (values.help === true) return { command: 'help', text: COMMANDS[first].help };
  const json = values.json === true;
  if (first === 'doctor') return { command: 'doctor', json };
  return { command: 'demo', json, records: parseRecords(values.records) };
}

/** The command's options, strictly: every token is checked here so that each mistake gets one clear line. */
function readOptions(command: CommandName, args: string[]): Record<string, string | boolean | undefined> {
  const spec = COMMANDS[command].options;
  const see = `(see popoto-ts ${command} --help)`;
  const { tokens } = parseArgs({ args, options: spec, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  for (const token of tokens) {
    if (token.kind === 'positional')
      throw new UsageError(`${command}: unexpected argument ${quote(token.value)} ${see}`);
    if (token.kind === 'option-terminator') continue;
    const known: { type: 'string' | 'boolean' } | undefined = Object.hasOwn(spec, token.name)
      ? spec[token.name as keyof typeof spec]
      : undefined;
    if (known === undefined) {
      const options = Object.keys(spec).map((name) => `--${name}`);
      throw new UsageError(
        `${command}: unknown option ${quote(token.rawName)}${didYouMean(token.rawName, options)} ${see}`,
      );
    }
    if (known.type === 'boolean' && token.inlineValue === true) {
      throw new UsageError(`${command}: ${token.rawName} takes no value ${see}`);
    }
    if (known.type === 'string' && token.value === undefined) {
      throw new UsageError(`${command}: ${token.rawName} needs a value ${see}`);
    }
    if (Object.hasOwn(values, token.name)) throw new UsageError(`${command}: ${token.rawName} given twice ${see}`);
    values[token.name] = token.value ?? true;
  }
  return values;
}

/** `--records`: decimal digits only (`0x10`, `1e3`, `5.0` and ` 5` are refused), 1 to MAX_RECORDS. */
function parseRecords(raw: string | boolean | undefined): number {
  if (raw === undefined) return DEFAULT_RECORDS;
  const text = String(raw);
  const records = /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN;
  if (!(records >= 1 && records <= MAX_RECORDS)) {
    throw new UsageError(
      `demo: --records must be a whole number from 1 to ${MAX_RECORDS} in decimal digits, got ${quote(text)}`,
    );
  }
  return records;
}

const quote = (text: string): string => JSON.stringify(text);

const GLOBAL_OPTIONS = ['--help', '--version'];

function unknownCommand(name: string): UsageError {
  const close = didYouMean(name, Object.keys(COMMANDS));
  return new UsageError(
    `unknown command ${quote(name)}${close === '' ? ': demo or doctor' : close} (see popoto-ts --help)`,
  );
}

/**
 * `; did you mean --json?` when one of `candidates` is within two edits of `typed` (case aside);
 * '' otherwise, and for short names (`-x`), where two edits reach anything.
 */
function didYouMean(typed: string, candidates: readonly string[]): string {
  const bare = (name: string): string => name.replace(/^-+/, '').toLowerCase();
  if (bare(typed).length < 3) return '';
  const scored = candidates.map((name) => ({ name, distance: editDistance(bare(typed), bare(name)) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  return best !== undefined && best.distance <= 2 ? `; did you mean ${best.name}?` : '';
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
