/**
 * The sender: a child process of the benchmark that plays Slack towards an app. It receives a batch
 * of slash-command bodies over IPC, signs each one as Slack does just before sending it, keeps a fixed
 * number of requests in flight, and reports each request's latency as the sender saw it (from just
 * before the request is written until its response has fully arrived).
 *
 * It runs in its own process so that the simulators the benchmark hosts (Slack Web API, Compute)
 * never delay the sender's clock.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { signSlackRequest } from '../src/sandbox/slack/signing.js';

export interface LoadJob {
  type: 'run';
  id: number;
  /** The app's `/slack/events` URL. */
  url: string;
  signingSecret: string;
  concurrency: number;
  /** Form-encoded slash-command bodies, sent in this order. */
  bodies: string[];
  requestTimeoutMs: number;
}

export interface LoadSample {
  /** Index into the job's bodies. */
  index: number;
  ms: number;
  /** HTTP status; 0 when the request failed at the transport level. */
  status: number;
  /** The start of the response body. */
  text: string;
  error?: string;
}

export interface LoadResult {
  type: 'done';
  id: number;
  samples: LoadSample[];
  wallMs: number;
}

const TEXT_KEPT = 400;

function send(agent: http.Agent, url: string, secret: string, body: string, index: number, timeoutMs: number): Promise<LoadSample> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(secret, timestamp, body),
  };
  return new Promise<LoadSample>((resolve) => {
    let settled = false;
    const started = performance.now();
    const finish = (sample: Omit<LoadSample, 'index' | 'ms'>): void => {
      if (settled) return;
      settled = true;
      resolve({ index, ms: performance.now() - started, ...sample });
    };
    const req = http.request(url, { method: 'POST', headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, TEXT_KEPT) }));
      res.on('error', (error) => finish({ status: 0, text: '', error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ status: 0, text: '', error: error.message }));
    req.end(body);
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const samples: LoadSample[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < job.bodies.length) {
      const index = next++;
      samples.push(await send(agent, job.url, job.signingSecret, job.bodies[index] ?? '', index, job.requestTimeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.bodies.length) }, lane));
  const wallMs = performance.now() - started;
  agent.destroy();
  samples.sort((a, b) => a.index - b.index);
  return { type: 'done', id: job.id, samples, wallMs };
}

process.on('message', (message: LoadJob) => {
  if (message.type !== 'run') return;
  void run(message).then((result) => process.send?.(result));
});
// Without a parent there is nothing to do; with one, leave when it goes away.
process.on('disconnect', () => process.exit(0));
if (process.send === undefined) {
  process.stderr.write('bench/load.ts is started by bench/run.ts\n');
  process.exit(2);
}
