/**
 * A job trained from a box's code (`/train --from-box`), as its record keeps it: which box, what the
 * box's agent was asked (package the code, later copy the outputs back) and what it answered. Pure: the
 * requests the bot writes, and what each answer means for the person.
 */
import { codeObject, type BoxAgentAnswer, type BoxAgentRequest } from './box-agent-script.js';
import type { BoxEntry } from './job-plan.js';
import type { BoxTrainRequest } from './box-train.js';

/** The box's side of a job: kept on the job record (`fromBox`). */
export interface BoxJobSource {
  boxId: string;
  /** The box's name, also its VM's name. */
  box: string;
  zone: string;
  /** The project the box's VM lives in, written when its agent is asked; absent: the configured project (domain/team.ts). */
  boxProject?: string;
  /** The packaged directory, relative to the notebook's home directory. */
  dir: string;
  entry: BoxEntry;
  /** The staging bucket the code went to and the outputs go to (a bare name). */
  bucket: string;
  /**
   * packaging: the agent is asked (or about to be) and its answer awaited; the job is not created yet.
   * packaged: the code is in the bucket; the job watcher creates the job.
   */
  state: 'packaging' | 'packaged';
  /** The package request's id (the agent answers in `answer-<id>`). */
  requestId: string;
  /** When the request was set in the box's metadata; null before. */
  askedAt: number | null;
  /** What the agent kept and left out, once it answered. */
  packaged: { bytes: number; files: number; skipped: string[]; skippedCount: number } | null;
  /** The words as asked, for [Resubmit]: the box packages its code again for the new job. */
  asked: BoxTrainRequest;
  /** [Copy to BOX]: the outputs asked back into the box, and how that went; null until someone asks. */
  copy: BoxJobCopy | null;
}

export interface BoxJobCopy {
  requestId: string;
  /** Who clicked (the owner or an admin). */
  by: string;
  /** requested: recorded, not yet set in the metadata; asked: set, answer awaited. */
  state: 'requested' | 'asked' | 'done' | 'failed';
  requestedAt: number;
  askedAt: number | null;
  /** Where the outputs go, relative to the notebook's home directory. */
  to: string;
  /** done: files and bytes written; failed: why, for the person. */
  files: number | null;
  bytes: number | null;
  message: string | null;
}

/**
 * True while the box's agent still has something to do for this job (the record's `boxPending`); a job
 * ended while packaging has nothing left, and one waiting for an admin has nothing yet: its box packages
 * only once the job is approved, so a request denied or expired never staged anything.
 */
export function boxWorkPending(source: BoxJobSource | null | undefined, jobOver: boolean, awaitingApproval: boolean): boolean {
  if (source === null || source === undefined) return false;
  return (source.state === 'packaging' && !jobOver && !awaitingApproval) || (source.copy !== null && (source.copy.state === 'requested' || source.copy.state === 'asked'));
}

/** The job's prefix in the bucket: code, and (under it) the outputs. Everything here is the job's own. */
export function jobPrefix(jobId: string): string {
  return `jobs/${jobId}/`;
}

/** The agent's package request for a job's code. */
export function packageRequest(source: Pick<BoxJobSource, 'requestId' | 'dir' | 'entry' | 'bucket'>, jobId: string, maxBytes: number): BoxAgentRequest {
  return { id: source.requestId, action: 'package', dir: source.dir, entry: source.entry.path, bucket: source.bucket, object: codeObject(jobId), maxBytes };
}

/** Where [Copy to BOX] puts a job's outputs: beside the code, in a folder named for the job. */
export function copyDestination(source: Pick<BoxJobSource, 'dir'>, jobName: string): string {
  const base = source.dir === '.' || source.dir === '' ? '' : `${source.dir.replace(/\/+$/, '')}/`;
  return `${base}gpubot-outputs/${jobName}`;
}

/** The agent's copy request: every object under the job's prefix except its packaged code. */
export function copyRequest(copy: Pick<BoxJobCopy, 'requestId' | 'to'>, bucket: string, jobId: string): BoxAgentRequest {
  return { id: copy.requestId, action: 'copy', bucket, prefix: jobPrefix(jobId), to: copy.to };
}

/** A package answer that is not a success, said for the person: what was wrong and what would work. */
export function packageRefusal(answer: Extract<BoxAgentAnswer, { ok: false }>, source: Pick<BoxJobSource, 'box' | 'dir' | 'entry'>, maxBytes: number): { code: string; message: string } {
  const where = source.dir === '.' ? 'the notebook’s home directory' : `\`${source.dir}\``;
  switch (answer.code) {
    case 'TOO_BIG': {
      const size = answer.bytes !== undefined ? ` holds ${formatBytes(answer.bytes)}` : ' is';
      const largest = (answer.largest ?? []).map(([path, bytes]) => `\`${path}\` (${formatBytes(bytes)})`).join(', ');
      return {
        code: 'TOO_BIG',
        message:
          `${where} on \`${source.box}\`${size}, over the ${formatBytes(maxBytes)} a job's code may be. ` +
          `${largest !== '' ? `Largest: ${largest}. ` : ''}Add data and checkpoints to \`.gitignore\` (the job can read them from Cloud Storage), or point \`--dir\` at the code alone.`,
      };
    }
    case 'NO_ENTRY':
      return {
        code: 'NO_ENTRY',
        message: `\`${source.entry.path}\` is not in ${where} on \`${source.box}\`. Give \`--${source.entry.kind === 'notebook' ? 'notebook' : 'entry'}\` a file inside \`--dir\`, relative to it.`,
      };
    case 'NO_DIRECTORY':
      return { code: 'NO_DIRECTORY', message: `${where} is not a folder on \`${source.box}\`. \`--dir\` is relative to the notebook’s home directory, like \`projects/census\`.` };
    case 'BAD_PATH':
      return { code: 'BAD_PATH', message: `\`--dir\` and the entry must stay inside the notebook’s home directory on \`${source.box}\`.` };
    case 'UPLOAD_FAILED':
      return {
        code: 'UPLOAD_FAILED',
        message: `\`${source.box}\` packaged the code but could not upload it to the staging bucket. Its service account needs roles/storage.objectAdmin on the bucket (the deploy guide's step for GPUBOT_STAGING_BUCKET).`,
      };
    case 'BAD_REQUEST':
    case 'DOWNLOAD_FAILED':
      return { code: answer.code, message: `The agent on \`${source.box}\` could not package the code (${answer.code}). Try again; if it persists, restart the box.` };
  }
}

/** The agent gave no answer in time: said for the person. */
export function agentSilent(box: string, waitedMs: number): { code: string; message: string } {
  const minutes = Math.max(1, Math.round(waitedMs / 60_000));
  return {
    code: 'AGENT_SILENT',
    message: `\`${box}\` did not answer within ${minutes} min, so no job was created. Boxes made before training from a box existed have no agent: stop and start the box to install it, then submit again.`,
  };
}

/** A size as people read it: `512 B`, `3.4 MiB`, `1.2 GiB` (binary units: the package limit is 500 MiB exactly). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit] ?? 'TB'}`;
}
