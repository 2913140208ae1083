// needs: local cluster
// The popoto-ts command end to end, as a user runs it: help, version, every usage error (one
// line on stderr, exit 2), doctor and demo in both output forms, connection failures (exit 1,
// password redacted), and an embedded server that cannot start.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runCli, runTs } from '../helpers/child-process.js';
import { clusterNodes, redisUrl, usePrivateRedis } from '../helpers/redis.js';
import { freePort } from '../../src/redis/free-port.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const env = () => ({ REDIS_URL: redisUrl() });

describe.concurrent('help and version', () => {
  it('--help, -h and help print the global usage, listing both commands, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const outcome = await runCli(args);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toMatch(/^Usage: popoto-ts <command> \[options\]/);
      expect(outcome.stdout).toMatch(/^ {2}demo {5}/m);
      expect(outcome.stdout).toMatch(/^ {2}doctor {3}/m);
      expect(outcome.stderr).toBe('');
    }
  });

  it.each([
    [['demo', '--help'], 'demo'],
    [['demo', '-h'], 'demo'],
    [['help', 'demo'], 'demo'],
    [['doctor', '--help'], 'doctor'],
    [['help', 'doctor'], 'doctor'],
  ])('%j prints the %s usage, not the global one', async (args, command) => {
    const outcome = await runCli(args);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(new RegExp(`^Usage: popoto-ts ${command} `));
    expect(outcome.stdout).toContain('--json');
    expect(outcome.stdout).not.toContain('Commands:');
  });

  it('demo --help names the options and the default', async () => {
    const { stdout } = await runCli(['demo', '--help']);
    expect(stdout).toMatch(/--records N .*default 20,000/);
  });

  it('--version and -V print the version of package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const outcome = await runCli([flag]);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toBe(`${version}\n`);
    }
  });
});

describe.concurrent('usage errors: one line on stderr, nothing on stdout, exit 2', () => {
  it.each([
    [[], /^popoto-ts: missing command: demo or doctor \(see popoto-ts --help\)$/],
    [['frob'], /^popoto-ts: unknown command "frob": demo or doctor/],
    [['--frob'], /^popoto-ts: unknown option "--frob"/],
    [['help', 'frob'], /^popoto-ts: unknown command "frob"/],
    [['help', 'demo', 'x'], /^popoto-ts: unexpected argument "x"/],
    [['-V', 'x'], /^popoto-ts: unexpected argument "x"/],
    [['demo', '--frob'], /^popoto-ts: demo: unknown option "--frob" \(see popoto-ts demo --help\)$/],
    [['demo', '-x'], /^popoto-ts: demo: unknown option "-x"/],
    [['demo', 'extra'], /^popoto-ts: demo: unexpected argument "extra"/],
    [['doctor', 'extra', 'junk'], /^popoto-ts: doctor: unexpected argument "extra" \(see popoto-ts doctor --help\)$/],
    [['doctor', '--', 'x'], /^popoto-ts: doctor: unexpected argument "x"/],
    [['doctor', '--records', '5'], /^popoto-ts: doctor: unknown option "--records"/],
    [
      ['demo', '--records', '0x10'],
      /^popoto-ts: demo: --records must be a whole number from 1 to 1000000 in decimal digits, got "0x10"$/,
    ],
    [['demo', '--records', '1e3'], /--records must be a whole number .* got "1e3"$/],
    [['demo', '--records', '5.0'], /--records must be a whole number .* got "5.0"$/],
    [['demo', '--records', '-5'], /--records must be a whole number .* got "-5"$/],
    [['demo', '--records', '0'], /--records must be a whole number .* got "0"$/],
    [['demo', '--records', '1000001'], /--records must be a whole number .* got "1000001"$/],
    [['demo', '--records='], /--records must be a whole number .* got ""$/],
    [['demo', '--records'], /^popoto-ts: demo: --records needs a value/],
    [['demo', '--records', '5', '--records', '6'], /^popoto-ts: demo: --records given twice/],
    [['demo', '--json=yes'], /^popoto-ts: demo: --json takes no value/],
  ])('%j', async (args, message) => {
    // No Redis is needed to refuse a command line: a closed port proves nothing connects first.
    const outcome = await runCli(args, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^[^\n]*\n$/);
    expect(outcome.stderr.trimEnd()).toMatch(message);
  });
});

describe('doctor', () => {
  it('prints the target, PING, version, mode and database', async () => {
    const outcome = await runCli(['doctor'], env());
    expect(outcome.code).toBe(0);
    const target = redisUrl().replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@');
    expect(outcome.stdout).toContain(`target:   ${target}\n`);
    expect(outcome.stdout).toMatch(/^status: {3}ready$/m);
    expect(outcome.stdout).toMatch(/^ping: {5}PONG$/m);
    expect(outcome.stdout).toMatch(/^version: {2}\d+\.\d+\.\d+$/m);
    expect(outcome.stdout).toMatch(/^mode: {5}standalone$/m);
    expect(outcome.stdout).toMatch(/^database: \d+$/m);
  });

  it('--json prints one JSON object with the same fields', async () => {
    const outcome = await runCli(['doctor', '--json'], env());
    expect(outcome.code).toBe(0);
    const result = JSON.parse(outcome.stdout);
    expect(result).toEqual({
      target: expect.stringMatching(/^redis:\/\//),
      status: 'ready',
      ping: 'PONG',
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      mode: 'standalone',
      database: expect.any(Number),
      error: null,
    });
    expect(outcome.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--json on a cluster reports the masters and database 0', async () => {
    const outcome = await runCli(['doctor', '--json'], { REDIS_URL: '', REDIS_CLUSTER_NODES: clusterNodes() });
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ mode: 'cluster', masters: 3, database: 0 });
  });
});

describe.concurrent('connection failures: exit 1, one line, the target with its password redacted', () => {
  it.each([[['doctor']], [['doctor', '--json']], [['demo', '--records', '10']]])('%j', async (args) => {
    const port = await freePort();
    const outcome = await runCli(args, { REDIS_URL: `redis://app:s3cret-pw@127.0.0.1:${port}` });
    expect(outcome.code).toBe(1);
    // doctor --json says it on stdout too, as JSON (below); the others print nothing there.
    if (!args.includes('--json')) expect(outcome.stdout).toBe('');
    // The demo says it is connecting first (its progress); then the error, in one line.
    const error = outcome.stderr.replace(/^ {2}connecting to Redis \.\.\.\n/, '');
    expect(error).toMatch(/^popoto-ts: could not connect to Redis at [^\n]*\n$/);
    expect(outcome.stderr).toContain(`redis://app:***@127.0.0.1:${port}`);
    expect(outcome.stderr).toContain('ECONNREFUSED');
    expect(outcome.stderr).not.toContain('s3cret-pw');
  });
});

describe('the embedded server when it cannot start (loopback down, in a network namespace)', () => {
  it('gives up within 3 s with a one-line reason', async () => {
    const outcome = await runTs('test/fixtures/embedded-lo-down.ts', [], { wrapper: ['unshare', '-n'] });
    expect(outcome.stderr).toBe('');
    const result = JSON.parse(outcome.stdout);
    expect(result.name).toBe('NoRedisError');
    expect(result.ms).toBeLessThan(3000);
    expect(result.message).not.toContain('\n');
    expect(result.message).toMatch(
      /^No Redis answers at 127\.0\.0\.1:6379, and a private one could not be started: redis-server did not start on port \d+: it does not answer on 127\.0\.0\.1:\d+ \(connect ENETUNREACH\)\. Set REDIS_URL/,
    );
  });

  it('doctor exits 1 with that line, and no redis-server log', async () => {
    const outcome = await runCli(['doctor'], { REDIS_URL: '' }, { wrapper: ['unshare', '-n'] });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^popoto-ts: No Redis answers at 127\.0\.0\.1:6379, [^\n]*ENETUNREACH[^\n]*\n$/);
  });
});

describe.concurrent('doctor --json: one JSON object on stdout in every outcome, with an error field', () => {
  it('when it cannot connect: {"error": ...}, exit 1, the password redacted', async () => {
    const port = await freePort();
    const outcome = await runCli(['doctor', '--json'], { REDIS_URL: `redis://app:s3cret-pw@127.0.0.1:${port}` });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(outcome.stdout) as { error: string };
    expect(Object.keys(result)).toEqual(['error']);
    expect(result.error).toMatch(
      new RegExp(`^could not connect to Redis at redis://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `),
    );
    expect(outcome.stdout).not.toContain('s3cret-pw');
  });

  it.each([
    [['doctor', '--json', '--json'], /^doctor: --json given twice/],
    [['doctor', '--json', 'extra'], /^doctor: unexpected argument "extra"/],
    [['doctor', '--json'], /^REDIS_URL is not usable: url takes no parameters, got "tls"/, '?tls=1'],
  ])('%j, a mistake: {"error": ...} too (exit 2 for usage, 1 for a bad URL)', async (args, message, query = '') => {
    const outcome = await runCli(args, { REDIS_URL: `redis://127.0.0.1:${await freePort()}${query}` });
    expect(outcome.code).toBe(query === '' ? 2 : 1);
    expect(JSON.parse(outcome.stdout)).toEqual({ error: expect.stringMatching(message) });
  });
});

describe.concurrent('messages that say what to do', () => {
  it.each([
    [
      ['doctor', '--jsno'],
      'popoto-ts: doctor: unknown option "--jsno"; did you mean --json? (see popoto-ts doctor --help)',
    ],
    [
      ['doctor', '--Json'],
      'popoto-ts: doctor: unknown option "--Json"; did you mean --json? (see popoto-ts doctor --help)',
    ],
    [
      ['demo', '--record', '5'],
      'popoto-ts: demo: unknown option "--record"; did you mean --records? (see popoto-ts demo --help)',
    ],
    [['docter'], 'popoto-ts: unknown command "docter"; did you mean doctor? (see popoto-ts --help)'],
    [['help', 'dmeo'], 'popoto-ts: unknown command "dmeo"; did you mean demo? (see popoto-ts --help)'],
    [['--verison'], 'popoto-ts: unknown option "--verison"; did you mean --version? (see popoto-ts --help)'],
  ])('a mistyped name %j: did you mean the one it is close to (exit 2)', async (args, line) => {
    const outcome = await runCli(args, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`${line}\n`);
  });

  it.each([
    ['127.0.0.1:6390', '"127.0.0.1:6390"; did you mean "redis://127.0.0.1:6390"?'],
    ['app:s3cret-pw@127.0.0.1:6390', '"app:***@127.0.0.1:6390"; did you mean "redis://app:***@127.0.0.1:6390"?'],
    ['redis:app:s3cret-pw@127.0.0.1', 'did you mean "redis://app:***@127.0.0.1"?'],
    ['s3cret-pw', 'got a value without it (not shown: it may hold a password); did you mean to put redis:// in front?'],
  ])('a URL without its scheme, %s: did you mean redis://…, no password shown (exit 1)', async (url, expected) => {
    const outcome = await runCli(['doctor'], { REDIS_URL: url });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^popoto-ts: REDIS_URL is not usable: url must use redis:\/\/ or rediss:\/\/, /);
    expect(outcome.stderr).toContain(expected);
    expect(outcome.stderr).not.toContain('s3cret-pw');
  });

  it('URL parameters are refused by name, before anything connects (exit 1)', async () => {
    const outcome = await runCli(['doctor'], { REDIS_URL: `${redisUrl()}?tls=1&db=2&tls=0` });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(
      /^popoto-ts: REDIS_URL is not usable: url takes no parameters, got "tls", "db": use rediss:\/\/ for TLS/,
    );
  });

  it('rediss:// against a server that does not speak TLS: the failure says so (exit 1)', async () => {
    const plain = new URL(redisUrl());
    const outcome = await runCli(['doctor'], { REDIS_URL: `rediss://${plain.hostname}:${plain.port || 6379}` });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      /^popoto-ts: could not connect to Redis at rediss:\/\/[^\n]*: [^\n]*\(rediss:\/\/ speaks TLS: if this server does not, use redis:\/\/\)\n$/,
    );
  });
});

describe('a password given to a server that asks for none', () => {
  const server = usePrivateRedis();
  // Set once it runs: the server's readiness check reads INFO without a password.
  const guarded = usePrivateRedis();

  it('connects, and warns in one stderr line that names the target and never the password', async () => {
    const outcome = await runCli(['doctor'], { REDIS_URL: `redis://:s3cret-pw@127.0.0.1:${server().port}` });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^ping: {5}PONG$/m);
    expect(outcome.stderr).toBe(
      `popoto-ts: warning: a password was given for redis://:***@127.0.0.1:${server().port}, but that server asks ` +
        'for none (its default user has no password): is it the server you meant?\n',
    );
  });

  it('says nothing when the server does ask for one (the same password, the same doctor)', async () => {
    const admin = new Redis(guarded().url);
    await admin.config('SET', 'requirepass', 's3cret-pw');
    admin.disconnect();
    const outcome = await runCli(['doctor'], { REDIS_URL: `redis://:s3cret-pw@127.0.0.1:${guarded().port}` });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^ping: {5}PONG$/m);
    expect(outcome.stderr).toBe('');
  });
});
