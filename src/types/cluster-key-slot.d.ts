// cluster-key-slot ships no types. ioredis uses it internally; our tests use it to show where it differs from Redis (see src/redis/key-slot.ts).
declare module 'cluster-key-slot' {
  /** Hash slot (0..16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The common slot of all keys, or -1 when they differ. */
    function generateMulti(keys: (string | Buffer)[]): number;
  }
  export default calculateSlot;
}
