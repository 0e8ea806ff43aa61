import type { FastifyReply } from 'fastify';

/**
 * Server-sent events on a hijacked reply. Events sent before `open` are buffered, so a run can
 * start (and emit its metadata) before the response headers are written. Writes after the
 * client has gone are dropped: the run itself goes on and is recorded.
 */
export class SseWriter {
  readonly #reply: FastifyReply;
  #buffer: string[] | undefined = [];
  #closed = false;

  constructor(reply: FastifyReply) {
    this.#reply = reply;
  }

  open(headers: Record<string, string>): void {
    this.#reply.hijack();
    const raw = this.#reply.raw;
    raw.writeHead(200, {
      // Headers hooks have set on the reply (CORS) would be lost by the hijack otherwise.
      ...(this.#reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    raw.on('close', () => {
      this.#closed = true;
    });
    for (const frame of this.#buffer ?? []) raw.write(frame);
    this.#buffer = undefined;
  }

  /** With an `id`, a client that reconnects sends it back as Last-Event-ID and resumes after it. */
  send = (event: string, data: unknown, id?: number): void => {
    const frame = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.#buffer) this.#buffer.push(frame);
    else if (!this.#closed) this.#reply.raw.write(frame);
  };

  end(): void {
    if (this.#buffer) return;
    if (!this.#closed) this.#reply.raw.end();
  }
}
