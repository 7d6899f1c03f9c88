/**
 * Jobs trained from a box in Slack: the answer to `/train ... --from-box`, what a job's card and end
 * notice add (what the box packaged, where the outputs are, [Copy to BOX] and how that went), and the
 * [Train] button on a ready box's card with the /train form it opens.
 */
import type { Box } from '../../domain/box.js';
import { formatBytes, jobPrefix } from '../../domain/box-job.js';
import { isJobOver, type Job } from '../../domain/job.js';
import { LIMITS, plain, type Button, type EphemeralMessage, type KnownBlock, type Modal } from './block-kit.js';
import { channelRef, link } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncateMrkdwn } from './messages.js';
import { trainForm } from './job-form.js';
import { jobWaitsText } from './job-approval-parts.js';

export const BOX_JOB_ACTIONS = { copy: 'job_copy_to_box', train: 'box_train' } as const;

/** The Cloud console's page of a bucket folder (https://cloud.google.com/storage/docs/cloud-console). */
export function bucketFolderUrl(bucket: string, prefix: string, project: string): string {
  return `https://console.cloud.google.com/storage/browser/${encodeURIComponent(bucket)}/${prefix.split('/').map(encodeURIComponent).join('/')}?project=${encodeURIComponent(project)}`;
}

/** The answer to a submit from a box: the box is packaging (or, past a policy rule, waits for an admin); the card follows the rest. */
export function packagingMessage(job: Job, notes: readonly string[]): EphemeralMessage {
  if (job.status === 'awaiting-approval') {
    const waits = jobWaitsText(job);
    return { response_type: 'ephemeral', text: fallbackText(waits), blocks: [section(truncateMrkdwn(waits, LIMITS.sectionText)), ...notesBlocks(notes)] };
  }
  const source = job.fromBox;
  const box = source?.box ?? '?';
  const dir = source === null || source === undefined || source.dir === '.' ? 'the notebook’s home directory' : `\`${escapeMrkdwn(source.dir)}\``;
  const where = channelRef(job.channel);
  const text =
    `:package: Packaging ${dir} on \`${escapeMrkdwn(box)}\` for training job \`${escapeMrkdwn(job.name)}\`… Once it is uploaded, the job goes to Vertex AI in ${escapeMrkdwn(job.region)}. ` +
    `${where !== null ? `Its card in ${where}` : 'Its card in your DM with me'} shows progress, and I will DM you when it ends.`;
  return { response_type: 'ephemeral', text: fallbackText(text), blocks: [section(truncateMrkdwn(text, LIMITS.sectionText)), ...notesBlocks(notes)] };
}

function notesBlocks(notes: readonly string[]): KnownBlock[] {
  return notes.length > 0 ? [contextLine(truncateMrkdwn(notes.map((n) => `• ${escapeMrkdwn(n)}`).join('\n'), LIMITS.contextText))] : [];
}

/** What a job from a box adds to its card and end notice: the packaging, the outputs, the copy. */
export function boxJobBlocks(job: Job, project: string): KnownBlock[] {
  const source = job.fromBox;
  if (source === null || source === undefined) return [];
  const lines: string[] = [];
  if (job.status === 'awaiting-approval') lines.push(`:package: The code on \`${escapeMrkdwn(source.box)}\` is packaged once an admin approves.`);
  else if (source.state === 'packaging' && !isJobOver(job)) lines.push(`:package: Packaging the code on \`${escapeMrkdwn(source.box)}\`…`);
  if (source.packaged !== null) {
    const p = source.packaged;
    const skipped = p.skippedCount > 0 ? `; left out ${p.skippedCount} (${p.skipped.slice(0, 5).map((s) => `\`${escapeMrkdwn(s)}\``).join(', ')}${p.skippedCount > 5 ? ', …' : ''}: .gitignore, virtual environments, caches)` : '';
    lines.push(`:package: From \`${escapeMrkdwn(source.box)}\`: ${p.files} files, ${formatBytes(p.bytes)}${skipped}.`);
  }
  if (job.vertexJobId !== null) {
    lines.push(`:open_file_folder: Outputs: ${link(bucketFolderUrl(source.bucket, jobPrefix(job.id), project), `gs://${source.bucket}/${jobPrefix(job.id)}`)}`);
  }
  const copy = source.copy;
  if (copy !== null) {
    const into = `\`${escapeMrkdwn(source.box)}:~/${escapeMrkdwn(copy.to)}\``;
    if (copy.state === 'requested' || copy.state === 'asked') lines.push(`:arrow_down: Copying the outputs into ${into}…`);
    else if (copy.state === 'done') lines.push(`:white_check_mark: Copied ${copy.files ?? 0} files (${formatBytes(copy.bytes ?? 0)}) into ${into}.`);
    else lines.push(`:x: Copying into \`${escapeMrkdwn(source.box)}\` failed: ${escapeMrkdwn(copy.message ?? 'no reason given')}`);
  }
  return lines.length === 0 ? [] : [contextLine(truncateMrkdwn(lines.join('\n'), LIMITS.contextText))];
}

/** [Copy to BOX] on a job from a box that ran (it has outputs), unless a copy is on its way. */
export function copyButtons(job: Job): Button[] {
  const source = job.fromBox;
  if (source === null || source === undefined || !isJobOver(job) || job.vertexJobId === null) return [];
  if (source.copy !== null && (source.copy.state === 'requested' || source.copy.state === 'asked')) return [];
  return [{ type: 'button', text: plain(`Copy to ${source.box}`.slice(0, 75)), action_id: BOX_JOB_ACTIONS.copy, value: job.id }];
}

/** [Train] on a ready box's card: opens the /train form filled in with `--from-box` (the value is the box id, as on every box button). */
export function trainButton(box: Pick<Box, 'id'>): Button {
  return { type: 'button', text: plain('Train'), action_id: BOX_JOB_ACTIONS.train, value: box.id };
}

/** The /train form with `--from-box BOX` already written, for [Train]. */
export function trainFromBoxForm(box: Pick<Box, 'name'>, opts: { defaultRegion: string; regions: readonly string[]; privateMetadata: string }): Modal {
  return trainForm({ ...opts, initialCommand: `my_job --from-box ${box.name} --dir . --entry train.py` });
}

/** The answer to a [Copy to BOX] click. */
export function copyAskedText(job: Job, changed: boolean): string {
  const box = job.fromBox?.box ?? 'the box';
  return changed ? `Asking \`${box}\` to copy the outputs of \`${job.name}\`; its card says when they are there.` : `The outputs of \`${job.name}\` are already on their way to \`${box}\`.`;
}
