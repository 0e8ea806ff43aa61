import type { ServerResponse } from 'node:http';
import { sleep, type Clock } from '../shared/clock.js';
import type { PacedStream } from './sim-engine.js';

/**
 * Smallest gap between two writes of one stream, ms. Tokens that fall due within one tick
 * go out in one write, so a thousand concurrent streams at a small time scale cost a few
 * timers each rather than one per token.
 */
const MIN_TICK_MS = 10;

/**
 * Write a paced stream: headers at once, the first event at `firstAtMs`, then every event
 * when its time has come, then the tail (finish chunk, usage chunk, [DONE]). Resolves true
 * when the stream ended normally, false when the client went away or a fault cut it.
 */
export async function pumpStream(raw: ServerResponse, headers: Record<string, string>, stream: PacedStream, clock: Clock): Promise<boolean> {
  raw.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const { events, firstAtMs, perTokenMs, cutAfter } = stream;
  const last = cutAfter === undefined ? events.length : Math.min(cutAfter, events.length);
  if (firstAtMs <= 0 && perTokenMs <= 0 && cutAfter === undefined) {
    // Latency off: one write for the whole answer.
    raw.end(events.join('') + stream.tail);
    return true;
  }
  raw.flushHeaders();
  const t0 = clock.now();
  let sent = 0;
  while (sent < last) {
    if (raw.destroyed) return false;
    const elapsed = clock.now() - t0;
    let due = 0;
    if (elapsed >= firstAtMs) due = perTokenMs > 0 ? Math.floor((elapsed - firstAtMs) / perTokenMs) + 1 : last;
    due = Math.min(due, last);
    if (due > sent) {
      raw.write(due - sent === 1 ? (events[sent] as string) : events.slice(sent, due).join(''));
      sent = due;
    }
    if (sent >= last) break;
    const nextAt = firstAtMs + sent * perTokenMs;
    await sleep(clock, Math.max(MIN_TICK_MS, nextAt - (clock.now() - t0)));
  }
  if (raw.destroyed) return false;
  if (cutAfter !== undefined) {
    // The fault: the connection drops mid-stream, no finish chunk, no [DONE]. Let what was
    // written reach the socket first, so the client sees a partial answer, then drop.
    await new Promise<void>((resolve) => raw.write('', () => resolve()));
    raw.socket?.destroy();
    raw.destroy();
    return false;
  }
  raw.end(stream.tail);
  return true;
}
