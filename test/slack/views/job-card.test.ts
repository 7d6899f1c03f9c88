import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobCard, jobEndedMessage } from '../../../src/slack/views/job-card.js';
import { makeJob } from '../../support/jobs.js';
import { textOf } from './fixtures.js';

const HOSTILE_LINES = [
  'Traceback (most recent call last): <!channel> look',
  'see <https://evil.example/x|the docs> and <@U0ADMIN1>',
  'if a < b && c > d: print("&lt; stays as printed")',
];

test("a failed job's log lines reach Slack escaped: no ping, no link, nothing lost", () => {
  const job = makeJob({ status: 'failed', failure: { code: 'VERTEX_FAILED', message: 'boom', logLines: HOSTILE_LINES } });
  for (const message of [jobCard(job, { now: job.endedAt ?? 0, project: 'p' }), jobEndedMessage(job, { now: job.endedAt ?? 0, project: 'p', audience: 'dm' })]) {
    const text = textOf(message.blocks);
    assert.ok(!/<!channel>|<@U0ADMIN1>|<https:\/\/evil/.test(text), `a control sequence got through: ${text}`);
    assert.ok(text.includes('&lt;!channel&gt;'), 'the mention is shown as text');
    assert.ok(text.includes('&lt;https://evil.example/x|the docs&gt;'), 'the link is shown as text');
    assert.ok(text.includes('a &lt; b &amp;&amp; c &gt; d'), 'comparisons and ampersands are kept');
    assert.ok(text.includes('&amp;lt; stays as printed'), 'an entity the program printed is shown as printed');
  }
});
