/**
 * The parts of a training job's messages that only a hyperparameter tuning job has: what its study
 * searches (on its card and in the answer to the submit), and its best trial (in the end notice).
 */
import type { Job } from '../../domain/job.js';
import type { TuningPlan } from '../../domain/tuning-plan.js';
import type { KnownBlock } from './block-kit.js';
import { escapeMrkdwn, section, truncate } from './messages.js';

const ALGORITHM_WORDS: Readonly<Record<TuningPlan['algorithm'], string>> = { bayesian: 'default search', grid: 'grid search', random: 'random search' };

/** `Tuning accuracy (maximize) over lr, units: 30 trials, 2 at a time, default search`, or null for a custom job. */
export function tuningStudyText(job: Pick<Job, 'plan'>): string | null {
  const t = job.plan.tuning;
  if (t === undefined) return null;
  const names = t.parameters.map((p) => p.name);
  const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
  return `Tuning ${truncate(t.metric, 80)} (${t.goal.toLowerCase()}) over ${truncate(shown, 300)}: ${t.maxTrials} trial${t.maxTrials === 1 ? '' : 's'}, ${t.parallelTrials} at a time, ${ALGORITHM_WORDS[t.algorithm]}`;
}

function valueText(value: string | number): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : truncate(value, 60);
}

/** One line naming the best trial: `Best trial 4: accuracy 0.95 with lr=0.01, units=64`; null before the end or for a custom job. */
export function bestTrialText(job: Pick<Job, 'tuning'>): string | null {
  const t = job.tuning;
  if (t === undefined) return null;
  const counts = `${t.succeeded} of ${t.trials} trial${t.trials === 1 ? '' : 's'} succeeded`;
  if (t.best === null) return `No trial reported \`${t.metric}\`; ${counts}.`;
  const params = t.best.parameters.map((p) => `${p.name}=${valueText(p.value)}`).join(', ');
  return `Best trial ${t.best.id}: ${t.metric} ${valueText(t.best.value)} (${t.goal === 'MAXIMIZE' ? 'highest' : 'lowest'}) with ${params || 'no parameters'}; ${counts}.`;
}

/** The end notice's block for a tuning job (none for a custom job). */
export function tuningEndBlocks(job: Pick<Job, 'tuning'>): KnownBlock[] {
  const text = bestTrialText(job);
  return text === null ? [] : [section(`:trophy: ${escapeMrkdwn(text)}`)];
}
