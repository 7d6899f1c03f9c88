/**
 * Every gcloud line of README.md goes through gcloud's own argument parser: each runs, as pasted after
 * the README's `NAME=value` lines, against a local endpoint that refuses every API call. A usage error
 * (a wrong flag, a missing required one such as the scheduler's `--location`) fails the test; reaching
 * the endpoint means gcloud accepted the line. Nothing leaves loopback: every API gcloud could call is
 * pointed at the local endpoint, and anything else goes through a proxy that is the same endpoint.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readmeShell, type ShellLine } from './support/readme.js';

/** What the local endpoint answers to every call; its message in gcloud's output proves the call was made. */
const REFUSAL = 'gpubot README check: no Google Cloud here';

/** The APIs the README's commands call; each is pointed at the local endpoint. */
const APIS = ['serviceusage', 'iam', 'cloudresourcemanager', 'firestore', 'secretmanager', 'run', 'cloudscheduler', 'compute', 'artifactregistry', 'cloudbuild', 'storage', 'iap', 'logging', 'monitoring', 'aiplatform'];

/** gcloud's own words for a command line it will not run (its usage errors exit 2; the location one exits 1). */
const USAGE_ERROR = /ERROR: \(gcloud[^)]*\) (argument |unrecognized arguments|Invalid choice|Invalid value|too few arguments|Please use the location flag|Must be specified|Missing required argument|one of the arguments|Exactly one of|At most one of|The required property)/;

/** How gcloud says a call was made and refused (the endpoint's answer), or could not connect. */
const REACHED = new RegExp(`${REFUSAL}|PERMISSION_DENIED|ConnectionError|ProxyError|Max retries exceeded|Connection refused`);

const gcloudPresent = spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;

interface Outcome {
  line: ShellLine;
  code: number | null;
  output: string;
}

describe("README's gcloud lines, through gcloud's own parser", { concurrency: 1 }, () => {
  let server: Server;
  let port = 0;
  let home = '';
  const outcomes = new Map<ShellLine, Outcome>();
  const shell = readmeShell();

  before(async () => {
    if (!gcloudPresent) return;
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 403, message: REFUSAL, status: 'PERMISSION_DENIED' } }));
    });
    // A CONNECT (an https API nobody pointed here) is refused at once, so gcloud gives up on it.
    server.on('connect', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    home = mkdtempSync(join(tmpdir(), 'gpubot-gcloud-'));
    writeFileSync(join(home, 'token'), 'ya29.readme-check');
    // `gcloud run deploy --source .` looks at the source: give it the Dockerfile, not the whole repository.
    copyFileSync(new URL('../Dockerfile', import.meta.url), join(home, 'Dockerfile'));

    const endpoint = `http://127.0.0.1:${port}/`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      CLOUDSDK_CONFIG: join(home, 'config'),
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(home, 'token'),
      CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
      CLOUDSDK_CORE_PROJECT: 'readme-check',
      CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
      CLOUDSDK_PROXY_TYPE: 'http',
      CLOUDSDK_PROXY_ADDRESS: '127.0.0.1',
      CLOUDSDK_PROXY_PORT: String(port),
      NO_PROXY: '127.0.0.1',
    };
    for (const api of APIS) env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api.toUpperCase()}`] = api === 'compute' ? `${endpoint}compute/v1/` : endpoint;
    const prelude = shell.assignments.map((a) => a.text).join('\n');

    // gcloud takes seconds to start: two at a time, as the machine allows.
    const queue = [...shell.gcloud];
    const run = (line: ShellLine): Promise<Outcome> =>
      new Promise((resolve) => {
        const child = execFile('bash', ['-c', `${prelude}\n${line.text}`], { cwd: home, env, timeout: 120_000, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ line, code, output: `${stdout}${stderr}` });
        });
        // `--data-file -` reads the secret from standard input.
        child.stdin?.end('readme-check-secret\n');
      });
    const worker = async (): Promise<void> => {
      for (let line = queue.shift(); line !== undefined; line = queue.shift()) outcomes.set(line, await run(line));
    };
    await Promise.all([worker(), worker()]);
  });

  after(async () => {
    if (!gcloudPresent) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  test('the README has gcloud lines to check', () => {
    assert.ok(shell.gcloud.length >= 20, `found ${shell.gcloud.length}`);
  });

  for (const line of shell.gcloud) {
    const name = line.text.length > 90 ? `${line.text.slice(0, 87)}...` : line.text;
    test(`README line ${line.line}: ${name}`, (t) => {
      if (!gcloudPresent) {
        t.skip('the Google Cloud CLI (gcloud) is not installed here');
        return;
      }
      const outcome = outcomes.get(line);
      assert.ok(outcome !== undefined, 'ran');
      assert.doesNotMatch(outcome.output, USAGE_ERROR, `gcloud refused the line:\n${outcome.output}`);
      assert.notEqual(outcome.code, 2, `gcloud exited 2 (usage):\n${outcome.output}`);
      assert.ok(outcome.code === 0 || REACHED.test(outcome.output), `gcloud neither succeeded nor reached the endpoint:\n${outcome.output}`);
      t.diagnostic(`exit ${String(outcome.code)}: ${outcome.output.split('\n').find((l) => l.startsWith('ERROR')) ?? 'no error'}`);
    });
  }
});
