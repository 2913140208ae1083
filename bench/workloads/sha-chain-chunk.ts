// piscina task module for the bench's "piscina, a chunk per task" contender: one task is a
// chunk of sha-chain jobs, what a ThreadPool kept on piscina would have to send.
import { shaChunk } from './sha-chain.js';

export default shaChunk;
