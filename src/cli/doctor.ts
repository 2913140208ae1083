import { connect, connectionTarget, disconnect, isCluster } from '../redis/connection.js';

/** What `popoto-ts doctor` found. */
export interface DoctorResult {
  /** Where the connection goes, password redacted: `redis://user:***@host:port/db` or `cluster host:port,...`. */
  target: string;
  /** ioredis's connection status (`ready` once connected). */
  status: string;
  ping: string;
  version: string;
  /** `standalone`, `cluster` or `sentinel`, as the server reports it. */
  mode: string;
  /** Masters of a cluster; absent on a single Redis. */
  masters?: number;
  /** The database index writes go to (a cluster has database 0 only). */
  database: number;
}

/** `popoto-ts doctor`: connects as the library would (same rules), then reads the server's version and mode. */
export async function runDoctor(): Promise<DoctorResult> {
  const redis = await connect();
  try {
    const node = isCluster(redis) ? redis.nodes('master')[0]! : redis;
    const info = await node.info('server');
    const field = (name: string): string => new RegExp(`${name}:(\\S+)`).exec(info)?.[1] ?? '?';
    return {
      target: connectionTarget() ?? '?',
      status: redis.status,
      ping: await node.ping(),
      version: field('redis_version'),
      mode: field('redis_mode'),
      ...(isCluster(redis) ? { masters: redis.nodes('master').length } : {}),
      // connect() has confirmed the index with the server, so this is where writes go.
      database: isCluster(redis) ? 0 : (redis.options.db ?? 0),
    };
  } finally {
    await disconnect();
  }
}

/** The result as aligned `name: value` lines. */
export function formatDoctor(result: DoctorResult): string {
  const lines = [
    `target:   ${result.target}`,
    `status:   ${result.status}`,
    `ping:     ${result.ping}`,
    `version:  ${result.version}`,
    `mode:     ${result.mode}${result.masters === undefined ? '' : ` (${result.masters} masters)`}`,
    `database: ${result.database}${result.masters === undefined ? '' : ' (a cluster has database 0 only)'}`,
  ];
  return `${lines.join('\n')}\n`;
}
