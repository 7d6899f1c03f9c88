/**
 * A TCP proxy in front of the Firestore emulator that can stall: while paused, no byte moves either way
 * and new connections wait, as when Firestore stops answering for a while; on resume everything flows on.
 * A proxy rather than SIGSTOP of the emulator: it pauses exactly the bot's traffic, and the harness's
 * own reads (made directly to the emulator) still work.
 */
import net from 'node:net';

export interface StallingProxy {
  /** host:port to give as FIRESTORE_EMULATOR_HOST. */
  host: string;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  close(): Promise<void>;
}

export async function startStallingProxy(upstream: string): Promise<StallingProxy> {
  const [upHost = '127.0.0.1', upPortText = '0'] = upstream.split(':');
  const upPort = Number(upPortText);
  const pairs = new Set<[net.Socket, net.Socket]>();
  let paused = false;
  let waiting: (() => void)[] = [];

  const flow = ([a, b]: [net.Socket, net.Socket]): void => {
    a.pipe(b);
    b.pipe(a);
  };
  const server = net.createServer((client) => {
    const connect = (): void => {
      const backend = net.connect(upPort, upHost);
      const pair: [net.Socket, net.Socket] = [client, backend];
      pairs.add(pair);
      if (!paused) flow(pair);
      const end = (): void => {
        pairs.delete(pair);
        client.destroy();
        backend.destroy();
      };
      client.on('error', end).on('close', end);
      backend.on('error', end).on('close', end);
    };
    client.on('error', () => client.destroy());
    if (paused) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
      // Unpiped, not only paused: a pipe resumes its source on the next 'drain'.
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    resume() {
      paused = false;
      for (const pair of pairs) flow(pair);
      const queued = waiting;
      waiting = [];
      for (const connect of queued) connect();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
