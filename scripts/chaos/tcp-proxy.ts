/**
 * A TCP proxy in front of the Firestore emulator that can stall: while paused, no byte moves either way
 * and new connections wait, as when Firestore stops answering for a while; on resume everything flows on.
 * A proxy rather than SIGSTOP of the emulator: it pauses exactly the bot's traffic, and the harness's
 * own reads (made directly to the emulator) still work.
 *
 * It can also wedge: the connections open at that moment stop moving bytes for good while staying open
 * (a half-open TCP connection, a NAT or proxy that dropped its state), and new connections flow. Only a
 * client that notices on its own (keepalive pings, call deadlines) gets past it.
 */
import net from 'node:net';

export interface StallingProxy {
  /** host:port to give as FIRESTORE_EMULATOR_HOST. */
  host: string;
  pause(): void;
  resume(): void;
  /** Stalls every connection open now, forever; later connections flow. */
  wedge(): void;
  /** Connections made through the proxy so far. */
  readonly connections: number;
  readonly paused: boolean;
  close(): Promise<void>;
}

export async function startStallingProxy(upstream: string): Promise<StallingProxy> {
  const [upHost = '127.0.0.1', upPortText = '0'] = upstream.split(':');
  const upPort = Number(upPortText);
  const pairs = new Set<[net.Socket, net.Socket]>();
  const wedged: [net.Socket, net.Socket][] = [];
  let paused = false;
  let waiting: (() => void)[] = [];
  let connections = 0;
  const halt = ([a, b]: [net.Socket, net.Socket]): void => {
    // Unpiped, not only paused: a pipe resumes its source on the next 'drain'.
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  };

  const flow = ([a, b]: [net.Socket, net.Socket]): void => {
    a.pipe(b);
    b.pipe(a);
  };
  const server = net.createServer((client) => {
    const connect = (): void => {
      const backend = net.connect(upPort, upHost);
      const pair: [net.Socket, net.Socket] = [client, backend];
      connections++;
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
    get connections() {
      return connections;
    },
    pause() {
      paused = true;
      for (const pair of pairs) halt(pair);
    },
    wedge() {
      // Out of `pairs`, so a later resume() leaves them stalled; they stay open until close().
      for (const pair of pairs) {
        halt(pair);
        wedged.push(pair);
      }
      pairs.clear();
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
        for (const [a, b] of [...pairs, ...wedged]) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
