#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import { runDoctor } from './doctor.js';

const USAGE = `Usage: popoto-ts <command> [options]

Commands:
  demo [--records N]   restore a price history and run Popoto's three patterns, sequential vs popoto-ts
  doctor               check the Redis connection, server version and mode

Redis: REDIS_URL if set, else 127.0.0.1:6379, else a private redis-server started for the run.
Benchmarks: run \`npm run bench\` in a checkout of popoto-ts.
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { records: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help === true || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  switch (command) {
    case 'demo': {
      const records = Number(values.records ?? 20_000);
      if (!Number.isInteger(records) || records < 1) {
        process.stderr.write(`--records must be an integer >= 1, got ${values.records}\n`);
        return 2;
      }
      await runDemo({ records });
      return 0;
    }
    case 'doctor':
      await runDoctor();
      return 0;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`popoto-ts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
