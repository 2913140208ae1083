// Background model saves: a request handler hands a save to startNewThread and answers at once.
// Unlike a Python daemon thread the save is tracked: drainBackgroundTasks() (or, on SIGTERM,
// installShutdownHooks()) lets every pending save finish before the process exits.
//
//   npx tsx examples/background-saves.ts
import { drainBackgroundTasks, installShutdownHooks, onBackgroundError, startNewThread } from 'popoto-ts';
import { defineModel, Field, KeyField, SortedField } from 'popoto-ts/models';
import { openScratch } from './scratch.js';

const scratch = await openScratch('background-saves');
const Order = defineModel(
  'Order',
  { id: KeyField(), customer: Field(), total: SortedField({ type: 'float' }) },
  { redis: scratch.prefixed },
);
type Order = InstanceType<typeof Order>;

const uninstall = installShutdownHooks(); // a deploy's SIGTERM drains pending saves first
onBackgroundError((error, task) => console.error(`${task.name} failed:`, error));

const saveInBackground = startNewThread((order: Order) => order.save({ expire: 3600 }), { name: 'saveOrder' });

/** What a request handler does: build the record, hand the save off, answer. */
function checkout(id: number): string {
  saveInBackground(new Order({ id: String(id), customer: `customer-${id % 7}`, total: 10 + (id % 50) }));
  return `order ${id} accepted`;
}

const started = performance.now();
for (let id = 1; id <= 1000; id++) checkout(id);
console.log(`answered 1000 checkouts in ${(performance.now() - started).toFixed(0)} ms; saves still running`);

const { completed, failed } = await drainBackgroundTasks();
console.log(`background saves: ${completed} completed, ${failed} failed`);
console.log(`orders in Redis: ${await Order.query.count()}`);
console.log(`orders over 50: ${(await Order.query.filter({ total__gt: 50 })).length}`);

uninstall();
await scratch.cleanUp();
