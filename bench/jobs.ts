/**
 * The job watcher's Google side at scale: one `listManagedJobs` pass per region over N jobs in a fresh
 * Vertex AI sandbox, through the real googleapis client, counting Google API calls. The claim it checks:
 * calls grow with pages (100 jobs a page), not with jobs.
 *
 * Alone: `npx tsx bench/jobs.ts` prints 50 and 500 jobs in 3 regions. `benchJobWatch` is exported for
 * a bench runner to add to its table.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { OAuth2Client } from 'google-auth-library';
import { parseTrainCommand, toCustomJob } from '../src/domain/train-command.js';
import { VertexAdapter } from '../src/gcp/vertex.js';
import { startGoogleSandbox } from '../src/sandbox/google/server.js';
import { VertexSandbox } from '../src/sandbox/google/vertex.js';

const PROJECT = 'gpubot-bench';
const REGIONS = ['us-central1', 'europe-west4', 'asia-east1', 'us-east4', 'us-west1', 'europe-west1'];
/** Jobs per list page, asked by the adapter and allowed by the sandbox. */
export const JOB_PAGE_SIZE = 100;

export interface JobWatchResult {
  jobs: number;
  regions: number;
  /** Google API calls the pass made (list pages), as the adapter counted them. */
  googleCalls: number;
  /** Wall time of the pass, in ms. */
  wallMs: number;
  /** Jobs the pass saw; equals `jobs` unless something is wrong. */
  jobsSeen: number;
}

function trainingBody(recordId: string) {
  const parsed = parseTrainCommand(
    'submit bench_job --master-machine-type n1-standard-8 --master-accelerator count=1,type=nvidia-tesla-t4 ' +
      '--module-name trainer.task --packages gs://gpubot-bench/trainer-0.1.tar.gz --runtime-version 2.11',
  );
  if (!parsed.ok || parsed.value.kind !== 'submit' || parsed.value.request === null) throw new Error('the bench job no longer parses');
  return toCustomJob(parsed.value.request, { project: PROJECT, owner: 'U0BENCH', jobId: recordId, defaultRegion: 'us-central1' }).body;
}

/** Seeds `jobs` running jobs round-robin over `regions` regions, then times one list pass per region. */
export async function benchJobWatch(jobs: number, regions: number): Promise<JobWatchResult> {
  if (regions < 1 || regions > REGIONS.length) throw new Error(`regions must be 1 to ${REGIONS.length}`);
  const used = REGIONS.slice(0, regions);
  // Jobs that never end (a million polls away), so the pass sees them all live, as a watcher of running jobs does.
  const sandbox = new VertexSandbox({ project: PROJECT, maxPageSize: JOB_PAGE_SIZE, defaultScript: { succeedAfterPolls: 1_000_000 } });
  for (let i = 0; i < jobs; i++) sandbox.seed(used[i % regions] ?? 'us-central1', trainingBody(`rec-${i}`));
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  try {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'sandbox' });
    const adapter = new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url, pageSize: JOB_PAGE_SIZE });
    const start = performance.now();
    let seen = 0;
    for (const region of used) seen += (await adapter.listManagedJobs(region)).length;
    const wallMs = performance.now() - start;
    if (sandbox.count('customJobs.list') !== adapter.googleCalls) throw new Error('the adapter and the sandbox disagree on the calls made');
    return { jobs, regions, googleCalls: adapter.googleCalls, wallMs, jobsSeen: seen };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  // One throwaway pass so module loading and JIT warm-up are not charged to the first row.
  await benchJobWatch(10, 1);
  const rows: JobWatchResult[] = [];
  for (const jobs of [50, 500]) rows.push(await benchJobWatch(jobs, 3));
  console.log(`Job watcher, one pass: listManagedJobs per region, ${JOB_PAGE_SIZE} jobs a page`);
  console.log('jobs  regions  google calls  jobs seen  wall ms');
  for (const r of rows) {
    console.log(
      `${String(r.jobs).padStart(4)}  ${String(r.regions).padStart(7)}  ${String(r.googleCalls).padStart(12)}  ${String(r.jobsSeen).padStart(9)}  ${r.wallMs.toFixed(1).padStart(7)}`,
    );
  }
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(invoked).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
