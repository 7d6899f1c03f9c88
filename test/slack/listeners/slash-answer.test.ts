import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/log.js';
import { ACK_DEADLINE_MS } from '../../../src/slack/ack-deadline.js';
import { answerSlashCommand, type PlainReply } from '../../../src/slack/listeners/commands/slash-answer.js';
import type { Modal } from '../../../src/slack/views/block-kit.js';

interface Seen {
  acks: unknown[];
  responds: Record<string, unknown>[];
  opened: unknown[];
  after: PlainReply[];
  logs: string[];
}

const FORM = { type: 'modal', title: { type: 'plain_text', text: 'Form' }, blocks: [] } as unknown as Modal;

/** Runs one slash command answered by `reply`, and records what went to Slack. */
async function run(reply: () => Promise<PlainReply | 'form'>): Promise<Seen> {
  const seen: Seen = { acks: [], responds: [], opened: [], after: [], logs: [] };
  const args = {
    command: { text: 'x', user_id: 'U1', channel_id: 'C1', team_id: 'T1', trigger_id: 'trigger-1' },
    ack: (body?: unknown) => {
      seen.acks.push(body ?? null);
      return Promise.resolve();
    },
    respond: (body: Record<string, unknown>) => {
      seen.responds.push(body);
      return Promise.resolve();
    },
    client: {
      views: {
        open: (body: { view: unknown }) => {
          seen.opened.push(body.view);
          return Promise.resolve({ ok: true });
        },
      },
    },
  };
  await answerSlashCommand(args as unknown as Parameters<typeof answerSlashCommand>[0], {
    name: '/test',
    log: createLogger({ level: 'debug', write: (line) => seen.logs.push(line) }),
    work: reply,
    form: () => FORM,
    after: (r) => {
      seen.after.push(r);
      return Promise.resolve();
    },
  });
  return seen;
}

const later = <T>(value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ACK_DEADLINE_MS + 200));

describe('answering a slash command within the ack deadline', () => {
  it('a quick answer is the ack itself, and what comes after runs once', async () => {
    const seen = await run(() => Promise.resolve({ text: 'done' }));
    assert.deepEqual(seen.acks, [{ response_type: 'ephemeral', text: 'done' }]);
    assert.deepEqual(seen.responds, []);
    assert.deepEqual(seen.after, [{ text: 'done' }]);
  });

  it('a slow answer acks "working on it" in time, then replaces it through response_url', async () => {
    const seen = await run(() => later({ text: 'slow answer' }));
    assert.equal(seen.acks.length, 1);
    // It promises nothing: the intent may not be recorded yet, and the person is told how to tell.
    assert.match(JSON.stringify(seen.acks[0]), /Working on it.*may not have been recorded: check `\/test list` before you run it again/);
    assert.deepEqual(seen.responds, [{ response_type: 'ephemeral', replace_original: true, text: 'slow answer' }]);
    assert.deepEqual(seen.after, [{ text: 'slow answer' }]);
  });

  it('a failure is an apology with an error id that the log carries too', async () => {
    const seen = await run(() => Promise.reject(new Error('boom')));
    const text = JSON.stringify(seen.acks[0]);
    const id = /\b([0-9a-f]{8})\b/.exec(text)?.[1];
    assert.ok(id !== undefined, text);
    assert.ok(seen.logs.some((l) => l.includes('/test failed') && l.includes(id)), seen.logs.join('\n'));
  });

  it("'form' acks empty and opens the modal; too late for the trigger, it says to run the command again", async () => {
    const quick = await run(() => Promise.resolve('form'));
    assert.deepEqual(quick.acks, [null]);
    assert.deepEqual(quick.opened, [FORM]);
    const slow = await run(() => later('form'));
    assert.deepEqual(slow.opened, []);
    assert.match(String(slow.responds[0]?.text), /too long to open the form/);
    assert.deepEqual(slow.after, []);
  });
});
