import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GPUS, GPU_KEYS } from '../../../src/domain/gpus.js';
import { HELP_TOPICS } from '../../../src/domain/gpu-command.js';
import { AUDIT_ACTIONS } from '../../../src/domain/audit.js';
import { AUDITED_HELP, gpuHelp } from '../../../src/slack/views/gpu-help.js';
import { assertBlockKit, textOf } from './fixtures.js';

describe('gpuHelp', () => {
  it('shows the usage of every subcommand, the Datalab spellings and examples', () => {
    const text = textOf(gpuHelp().blocks);
    for (const part of [
      '/gpu up NAME [--gpu t4|l4|v100|p100|a100|a100-80gb|h100] [--count N] [--machine TYPE] [--zone Z | --region R] [--disk GB] [--image FAMILY] [--spot | --flex-start [--max-run 8h]]',
      '--machine-type',
      '--accelerator-type',
      '--accelerator-count',
      '--disk-size-gb',
      '/gpu list [--all]',
      '/gpu stop NAME',
      '/gpu start NAME',
      '/gpu delete NAME',
      '/gpu connect NAME',
      '/gpu help',
      '/gpu up exp42 --gpu t4',
    ]) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
  });

  it('`help up` says H100 with 1-4 GPUs is sold only as Spot or Flex-start, which one a box gets, and Flex-start’s run limits', () => {
    const text = textOf(gpuHelp('up').blocks);
    for (const part of ['`a3-highgpu-1g`, `a3-highgpu-2g`, `a3-highgpu-4g`', 'only as Spot or Flex-start', 'such a box is *Spot*', '`--flex-start --max-run 8h`', '10m to 7d']) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
  });

  it('lists every GPU with its label, family and default machine for `up`', () => {
    const text = textOf(gpuHelp('up').blocks);
    for (const key of GPU_KEYS) {
      const g = GPUS[key];
      const row = text.split('\n').find((line) => line.startsWith(`${key} `));
      assert.ok(row, `no row for ${key}`);
      assert.ok(row.includes(g.label), `${key}: label`);
      assert.ok(row.includes(g.defaultMachine(1)), `${key}: default machine`);
    }
    assert.match(text, /^a100-80gb\s+NVIDIA A100 80GB\s+A2 Ultra\s+a2-ultragpu-1g\s+1,2,4,8$/m);
  });

  it('answers every topic the command parser knows, within limits', () => {
    for (const topic of [undefined, ...HELP_TOPICS, 'nonsense', '<!channel>']) {
      const m = gpuHelp(topic);
      assertBlockKit('message', m, `help ${topic}`);
      assert.ok(m.text.length > 0);
      assert.ok(!JSON.stringify(m).includes('<!channel>'));
    }
  });

  it('lists every action the audit trail records, each once, in `/gpu help` and `/gpu help audit`', () => {
    const explained = AUDITED_HELP.flatMap((g) => g.actions);
    assert.deepEqual([...explained].sort(), [...AUDIT_ACTIONS].sort(), 'the help explains exactly the recorded actions');
    assert.equal(new Set(explained).size, explained.length, 'no action twice');
    for (const text of [textOf(gpuHelp().blocks), textOf(gpuHelp('audit').blocks)]) {
      for (const g of AUDITED_HELP) assert.ok(text.includes(g.says), `missing ${g.actions.join(', ')}: ${g.says}`);
      assert.match(text, /from where \(command, button, form, idle check, approval expiry, or outside gpubot\)/);
    }
  });

  it('gives one command its own help', () => {
    assert.ok(textOf(gpuHelp('stop').blocks).includes('only the disk is billed'));
  });
});
