// poolifier's worker module for the sha-chain rows: poolifier runs a ThreadWorker wrapping the task function.
import { ThreadWorker } from 'poolifier';
import { shaChain, type ShaJob } from './sha-chain.js';

export default new ThreadWorker<ShaJob, string>((job) => shaChain(job!));
