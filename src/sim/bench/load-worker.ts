/**
 * Child-process entry of `concierge bench sim`: runs the agent-like load against the URL
 * it is given, so the generator has its own event loop and core and does not slow the
 * simulator it measures. Talks to the parent over the IPC channel.
 */
import { runAgentLoad, type AgentLoadOptions } from './agent-load.js';

export type WorkerRequest = Omit<AgentLoadOptions, 'onProgress'>;
export type WorkerMessage = { type: 'progress'; done: number } | { type: 'result'; result: Awaited<ReturnType<typeof runAgentLoad>> } | { type: 'error'; message: string };

process.once('message', (options: WorkerRequest) => {
  runAgentLoad({ ...options, onProgress: (done) => process.send?.({ type: 'progress', done } satisfies WorkerMessage) })
    .then((result) => process.send?.({ type: 'result', result } satisfies WorkerMessage, () => process.exit(0)))
    .catch((error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerMessage, () => process.exit(1)));
});
