/** `/gpu cost` and the daily digest as Slack shows them, with training jobs among the figures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CostReport } from '../../../src/domain/cost-report.js';
import type { DigestFacts } from '../../../src/domain/cost-notice.js';
import { costAnswer } from '../../../src/slack/views/cost-report.js';
import { costNoticeMessage } from '../../../src/slack/views/cost-notices.js';
import { HOSTILE, PRICES, assertBlockKit, assertNoRawMarkup, textOf } from './fixtures.js';

const DAY = 24 * 3_600_000;
const FROM = Date.UTC(2026, 10, 21);

function report(overrides: Partial<CostReport> = {}): CostReport {
  return {
    period: { fromMs: FROM, toMs: FROM + 7 * DAY - 1, label: 'the last 7 days' },
    total: 0,
    byPerson: [],
    byTeam: [],
    byBox: [],
    byJob: [],
    byDay: Array.from({ length: 7 }, (_, i) => ({ dayStartMs: FROM + i * DAY, total: 0 })),
    dailyLines: [],
    sources: [PRICES.source],
    missing: [],
    unpriced: 0,
    ...overrides,
  };
}

describe('/gpu cost answer', () => {
  it('shows training jobs in their own section with their count and sum, beside the boxes', () => {
    const answer = costAnswer(
      report({
        total: 10.5,
        byPerson: [{ key: 'UALICE', total: 10.5 }],
        byBox: [{ key: 'b1', name: 'exp42', owner: 'UALICE', total: 4 }],
        byJob: [
          { key: 'j1', name: 'census_1', owner: 'UALICE', total: 5.25 },
          { key: 'j2', name: 'census_2', owner: 'UALICE', total: 1.25 },
        ],
      }),
      { whose: 'Your' },
    );
    const text = textOf(answer.blocks);
    assert.ok(text.includes('*By box*\n• `exp42`: $4.00'), text);
    assert.ok(text.includes('*Training jobs* (2, $6.50)\n• `census_1`: $5.25\n• `census_2`: $1.25'), text);
    assert.doesNotMatch(text, /No box or training job/);
    assertBlockKit('message', answer);
  });

  it('with jobs but no boxes, says nothing about boxes costing nothing', () => {
    const answer = costAnswer(report({ total: 2, byPerson: [{ key: 'UALICE', total: 2 }], byJob: [{ key: 'j1', name: 'only_job', owner: 'UALICE', total: 2 }] }), { whose: 'Your' });
    const text = textOf(answer.blocks);
    assert.doesNotMatch(text, /By box|cost anything/);
    assert.match(text, /`only_job`: \$2\.00/);
  });

  it('with nothing spent, says so once', () => {
    const text = textOf(costAnswer(report(), { whose: 'Your' }).blocks);
    assert.match(text, /No box or training job cost anything in this period/);
  });

  it('caps a long job list with "and N more", names owners when several people spent, and stays within Block Kit limits', () => {
    const people = ['UALICE', 'UBOB'];
    const byJob = Array.from({ length: 40 }, (_, i) => ({ key: `j${i}`, name: `job_${String(i).padStart(2, '0')}`, owner: people[i % 2] ?? 'UALICE', total: 40 - i }));
    const answer = costAnswer(report({ total: 820, byPerson: people.map((key) => ({ key, total: 410 })), byJob }), { whose: 'The team’s' });
    const text = textOf(answer.blocks);
    assert.ok(text.includes('• `job_00` (<@UALICE>): $40.00'), text);
    assert.ok(text.includes('• `job_13` (<@UBOB>): $27.00\n• `job_14` (<@UALICE>): $26.00\n…and 25 more'), text);
    assert.doesNotMatch(text, /job_15/);
    assert.match(text, /…and 25 more/);
    assertBlockKit('message', answer);
  });

  it('keeps a list whose names escape to several times their length inside one section', () => {
    // Names no `/train` would accept, as a record written some other way might hold: each `<` is four
    // characters once escaped, so fifteen of these would not fit one section.
    const byJob = Array.from({ length: 15 }, (_, i) => ({ key: `j${i}`, name: `${i}${'<'.repeat(60)}${HOSTILE}`, owner: 'UALICE', total: 1 }));
    const answer = costAnswer(report({ total: 15, byPerson: [{ key: 'UALICE', total: 15 }], byJob }), { whose: 'Your' });
    assertBlockKit('message', answer, 'hostile job names');
    assertNoRawMarkup(answer, 'hostile job names');
    const section = textOf(answer.blocks).split('*Training jobs*')[1] ?? '';
    const more = /…and (\d+) more/.exec(section);
    assert.ok(more !== null, 'what did not fit is counted');
    const shown = (section.match(/^• /gm) ?? []).length;
    assert.equal(shown + Number(more[1]), 15, 'every job is shown or counted');
  });

  it('counts boxes and jobs left out for want of prices', () => {
    assert.match(textOf(costAnswer(report({ unpriced: 1 }), { whose: 'Your' }).blocks), /1 box or job left out/);
    assert.match(textOf(costAnswer(report({ unpriced: 3 }), { whose: 'Your' }).blocks), /3 boxes or jobs left out/);
  });
});

describe('the daily digest', () => {
  const digest: DigestFacts = {
    day: '2026-11-26',
    total: 7.5,
    byPerson: [
      { owner: 'UALICE', total: 5 },
      { owner: 'UBOB', total: 2.5 },
    ],
    running: [],
    idleStops: 0,
    idleSaved: 0,
    jobs: { count: 2, total: 3.25 },
    sources: [PRICES.source],
    missing: [],
  };

  it('says how many training jobs ran and their share of the day', () => {
    const message = costNoticeMessage({ type: 'cost-digest', digest }, {});
    const text = textOf(message.blocks);
    assert.ok(text.includes('*Yesterday:* $7.50 (2 training jobs ran: $3.25 of it)'), text);
    assert.match(message.text, /\$7\.50 \(2 training jobs ran: \$3\.25 of it\)/);
    assertBlockKit('message', message);
  });

  it('lists the training jobs running now beside the boxes, each with what it costs an hour', () => {
    const running: DigestFacts['running'] = [
      { name: 'exp42', owner: 'UALICE', perHour: 0.76, kind: 'box' },
      { name: 'census', owner: 'UBOB', perHour: 1.68, kind: 'job' },
      // Recorded before jobs were listed: no kind, so a box.
      { name: 'old', owner: 'UBOB', perHour: 0.5 },
    ];
    const message = costNoticeMessage({ type: 'cost-digest', digest: { ...digest, running } }, {});
    const text = textOf(message.blocks);
    assert.ok(text.includes('*Running now:* 2 boxes and 1 training job, ≈ $2.94/h'), text);
    assert.ok(text.includes('`census` (training job) (<@UBOB>): $1.68/h'), text);
    assert.ok(text.includes('`exp42` (<@UALICE>): $0.76/h'), text);
    assertBlockKit('message', message);
    const nothing = textOf(costNoticeMessage({ type: 'cost-digest', digest }, {}).blocks);
    assert.ok(nothing.includes('*Running now:* nothing.'), nothing);
  });

  it('says nothing of jobs on a day none ran, or in a digest recorded before jobs were counted', () => {
    const none = textOf(costNoticeMessage({ type: 'cost-digest', digest: { ...digest, jobs: { count: 0, total: 0 } } }, {}).blocks);
    assert.doesNotMatch(none, /training job/);
    const { jobs: _jobs, ...older } = digest;
    const old = textOf(costNoticeMessage({ type: 'cost-digest', digest: older }, {}).blocks);
    assert.ok(old.includes('*Yesterday:* $7.50\n'), old);
  });
});
