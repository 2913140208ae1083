// What a ThreadPool and its workers tell each other outside piscina's own task messages.

/** Key of the pool's settings in piscina's workerData. */
export const WORKER_CONFIG_KEY = 'popoto-ts.thread-pool';

/** Settings every worker of one pool receives. */
export interface WorkerConfig {
  /** URL of the caller's task module. */
  moduleUrl: string;
  /** Name of its export that is the task function. */
  exportName: string;
  /** Name of the BroadcastChannel between the pool and its workers. */
  channel: string;
}

/** Messages on the pool's BroadcastChannel. */
export type WorkerMessage =
  | { type: 'ready'; threadId: number }
  | { type: 'close' }
  | { type: 'closed'; threadId: number; error: string | undefined };
