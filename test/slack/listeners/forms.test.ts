/**
 * The /gpu up and /train form submissions: a corrected form is a new request (not the first answer
 * replayed), and a slow store does not turn a recorded box or job into an error on screen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BoxCommands } from '../../../src/app/box-commands.js';
import type { JobCommands } from '../../../src/app/job-commands.js';
import type { ListenerDeps } from '../../../src/slack/context.js';
import { handleGpuUpForm } from '../../../src/slack/listeners/views/gpu-up-form.js';
import { handleTrainForm } from '../../../src/slack/listeners/views/train-form.js';
import { TRAIN_FORM } from '../../../src/slack/views/job-form.js';
import { UP_FORM } from '../../../src/slack/views/up-form.js';
import { createLogger } from '../../../src/log.js';
import { makeBox } from '../../support/boxes.js';
import { ManualClock } from '../../support/clock.js';
import { makeJob } from '../../support/jobs.js';

type UpArgs = Parameters<typeof handleGpuUpForm>[0];
type TrainArgs = Parameters<typeof handleTrainForm>[0];

interface Acked {
  at: number;
  response: unknown;
}

/** One submission of a modal whose view id and hash stay the same (Slack keeps both after an errors answer). */
function submission(values: Record<string, unknown>, acks: Acked[], ephemerals: string[]) {
  const started = Date.now();
  return {
    ack: (response?: unknown) => {
      acks.push({ at: Date.now() - started, response });
      return Promise.resolve();
    },
    body: { user: { id: 'UALICE' } },
    view: { id: 'V0FORM1', hash: '1712.abc', private_metadata: JSON.stringify({ channel: 'CTEAM' }), state: { values } },
    client: {
      chat: {
        postEphemeral: (a: { text: string }) => {
          ephemerals.push(a.text);
          return Promise.resolve({ ok: true });
        },
      },
    },
  };
}

const named = (name: string) => ({ [UP_FORM.blocks.name]: { [UP_FORM.actions.name]: { type: 'plain_text_input', value: name } } });

/**
 * Box commands that answer as the store does: one answer per request key, replayed for a repeat
 * (box-store's request keys), and "name taken" for a name already in use.
 */
function boxCommands(delayMs = 0): { commands: BoxCommands; keys: string[] } {
  const keys: string[] = [];
  const answers = new Map<string, Awaited<ReturnType<BoxCommands['requestBox']>>>();
  const requestBox: BoxCommands['requestBox'] = async (asker, request) => {
    keys.push(asker.requestKey);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const first = answers.get(asker.requestKey);
    if (first !== undefined) return first;
    const answer =
      request.name === 'taken'
        ? { ok: false as const, error: { code: 'NAME_TAKEN', message: 'You already have a box named taken; pick another name.' } }
        : { ok: true as const, value: { box: makeBox({ name: request.name ?? 'x' }) } };
    answers.set(asker.requestKey, answer);
    return answer;
  };
  return { commands: { requestBox } as unknown as BoxCommands, keys };
}

function deps(boxes: BoxCommands): ListenerDeps {
  return { boxes, log: createLogger({ level: 'error', write: () => undefined }), clock: new ManualClock(), project: 'p', region: 'us-central1', regions: ['us-central1'] };
}

test('after "name taken", the corrected form is a new request, not the first answer again', async () => {
  const { commands, keys } = boxCommands();
  const acks: Acked[] = [];
  const shown: string[] = [];
  await handleGpuUpForm(submission(named('taken'), acks, shown) as unknown as UpArgs, deps(commands));
  assert.match(JSON.stringify(acks[0]?.response), /already have a box named taken/);
  await handleGpuUpForm(submission(named('fresh'), acks, shown) as unknown as UpArgs, deps(commands));
  assert.equal(acks[1]?.response, undefined, 'the corrected form closes');
  assert.notEqual(keys[0], keys[1]);
  // The same submission again (a Slack retry) is the same request.
  await handleGpuUpForm(submission(named('fresh'), acks, shown) as unknown as UpArgs, deps(commands));
  assert.equal(keys[2], keys[1]);
});

test('a form whose box takes longer than the ack deadline to record is closed in time, and the box is told', async () => {
  const { commands } = boxCommands(400);
  const acks: Acked[] = [];
  const shown: string[] = [];
  await handleGpuUpForm(submission(named('slowbox'), acks, shown) as unknown as UpArgs, deps(commands), 150);
  assert.equal(acks.length, 1);
  assert.ok((acks[0]?.at ?? Infinity) < 350, `acked at ${acks[0]?.at ?? '?'} ms, before the work ended`);
  assert.equal(acks[0]?.response, undefined, 'closed, not answered with an error');
  assert.ok(shown.some((t) => t.includes('slowbox')), 'the recorded box is told afterwards');
});

test('a /train form whose job takes longer than the ack deadline to record is closed in time', async () => {
  const job = makeJob({ name: 'slowjob', status: 'pending', vertexJobId: null });
  const keys: string[] = [];
  const jobs = {
    submit: async (asker: { requestKey: string }) => {
      keys.push(asker.requestKey);
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { ok: true as const, value: { job } };
    },
  } as unknown as JobCommands;
  const acks: Acked[] = [];
  const shown: string[] = [];
  const values = { [TRAIN_FORM.blocks.command]: { [TRAIN_FORM.actions.command]: { type: 'plain_text_input', value: 'slowjob --master-machine-type n1-standard-8 --master-image-uri us-central1-docker.pkg.dev/ml-lab/trainers/census:1' } } };
  await handleTrainForm(submission(values, acks, shown) as unknown as TrainArgs, deps(boxCommands().commands), jobs, 150);
  assert.ok((acks[0]?.at ?? Infinity) < 350, `acked at ${acks[0]?.at ?? '?'} ms`);
  assert.equal(acks[0]?.response, undefined);
  assert.ok(shown.some((t) => t.includes('slowjob')), 'the job is told afterwards');
});
