// cluster-key-slot ships no types; these are the two functions we use (the same module ioredis uses).
declare module 'cluster-key-slot' {
  /** Hash slot (0..16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The common slot of all keys, or -1 when they differ. */
    function generateMulti(keys: (string | Buffer)[]): number;
  }
  export default calculateSlot;
}
