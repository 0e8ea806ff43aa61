/**
 * Send `total` messages at a fixed arrival rate, each at its scheduled instant whether or not
 * earlier ones have been answered (an open loop): the load a number of users puts on a
 * service, where a closed loop measures how much it can take. `record` gets each latency
 * from the scheduled instant, so a sender that falls behind cannot hide a queue (no
 * coordinated omission). Resolves with the seconds the messages took to send and answer.
 */
export async function pacedLoop(total: number, perSecond: number, one: () => Promise<void>, record: (latencyMs: number) => void): Promise<number> {
  const gapMs = 1000 / perSecond;
  const started = performance.now();
  const sent: Array<Promise<void>> = [];
  let failure: { error: unknown } | undefined;
  for (let i = 0; i < total && !failure; i += 1) {
    const due = started + i * gapMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sent.push(
      one().then(
        () => record(performance.now() - due),
        (error: unknown) => {
          failure ??= { error };
        },
      ),
    );
  }
  await Promise.all(sent);
  if (failure) throw failure.error;
  return (performance.now() - started) / 1000;
}
