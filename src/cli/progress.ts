/**
 * Progress for long commands: one line rewritten in place on a terminal, plain timestamped
 * lines (at most one every `plainEveryMs`) when the output is a file or CI log.
 */
export interface Progress {
  update(line: string): void;
  /** A line that stays (a stage finished, a result). */
  log(line: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): Progress {
  const tty = stream.isTTY === true && process.env.CI !== 'true';
  let lastPlain = 0;
  let live = false;
  const clear = () => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  return {
    update(line) {
      if (tty) {
        clear();
        stream.write(line.slice(0, (stream.columns ?? 120) - 1));
        live = true;
      } else if (Date.now() - lastPlain >= plainEveryMs) {
        lastPlain = Date.now();
        stream.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      }
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
    },
    done() {
      clear();
    },
  };
}
