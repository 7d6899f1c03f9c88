import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GPUS, GPU_KEYS, machinesWithGpus } from '../../../src/domain/gpus.js';
import { TRAIN_HELP_TOPICS, parseTrainCommand } from '../../../src/domain/train-command.js';
import { RUNTIME_VERSIONS, TRAINING_IMAGES, runtimeImages } from '../../../src/domain/training-images.js';
import { RETIRED_GPU_REPLACEMENT, readAccelerator } from '../../../src/domain/training-machines.js';
import {
  SCALE_TIERS,
  TIER_POOLS,
  parseScaleTier,
  tierNote,
} from '../../../src/domain/training-tiers.js';
import { LIMITS } from '../../../src/slack/views/block-kit.js';
import { TRAIN_SUBMIT_EXAMPLES, trainHelp } from '../../../src/slack/views/train-help.js';
import { assertBlockKit, textOf } from './fixtures.js';

/** The help's text with code fences dropped, so table rows start at the beginning of a line. */
function helpText(topic?: string): string {
  return textOf(trainHelp(topic).blocks).replace(/```/g, '\n');
}

function rowsStarting(text: string, first: string): string[] {
  return text.split('\n').filter((line) => line.split(/\s{2,}/)[0] === first);
}

function imageName(uri: string): string {
  return TRAINING_IMAGES.find((i) => i.uri === uri)?.name ?? uri;
}

describe('trainHelp', () => {
  it('answers every topic the parser accepts with its own help, within Block Kit limits and uncut', () => {
    const overview = JSON.stringify(trainHelp());
    for (const topic of [undefined, ...TRAIN_HELP_TOPICS, 'nonsense', '<!channel>']) {
      const m = trainHelp(topic);
      assertBlockKit('message', m, `help ${topic}`);
      assert.ok(m.text.length > 0 && m.text.length <= LIMITS.fallbackText);
      assert.ok(!JSON.stringify(m).includes('<!channel>'));
      // A section cut at the limit ends with an ellipsis: the help must be split, never cut.
      for (const b of m.blocks) {
        if (b.type === 'section') assert.ok(!(b.text?.text ?? '').endsWith('…'), `help ${topic}: a section was cut`);
      }
      if (topic !== undefined && TRAIN_HELP_TOPICS.some((t) => t === topic)) {
        assert.notEqual(JSON.stringify(m), overview, `help ${topic} is only the overview`);
      }
    }
    assert.equal(JSON.stringify(trainHelp('nonsense')), overview);
  });

  it('names every topic in the overview, and reads topics in any case', () => {
    const text = helpText();
    for (const topic of TRAIN_HELP_TOPICS) assert.ok(text.includes(topic), `overview misses ${topic}`);
    assert.deepEqual(trainHelp(' GPUS '), trainHelp('gpus'));
  });

  it('scale-tiers: every tier, and each predefined tier as the pools, machines, GPUs and replicas it becomes', () => {
    const text = helpText('scale-tiers');
    for (const tier of SCALE_TIERS) assert.ok(rowsStarting(text, tier).length > 0, `no row for ${tier}`);
    for (const [tier, pools] of Object.entries(TIER_POOLS)) {
      const rows = rowsStarting(text, tier);
      assert.equal(rows.length, pools.length, `${tier}: one row per pool`);
      for (const [i, p] of pools.entries()) {
        const cells = (rows[i] ?? '').split(/\s{2,}/);
        assert.ok(cells.some((c) => c.includes(p.role.replace('-', ' '))), `${tier}: role ${p.role}`);
        assert.ok(cells.includes(String(p.replicaCount)), `${tier}: replicas of ${p.role}`);
        assert.ok(cells.includes(p.machineType), `${tier}: machine of ${p.role}`);
        const gpu = p.gpu === null ? '-' : `${p.gpu.count} x ${GPUS[p.gpu.gpu].vertexAcceleratorType}`;
        assert.ok(cells.includes(gpu), `${tier}: GPU of ${p.role}`);
      }
    }
    for (const tier of SCALE_TIERS) {
      const note = tierNote(tier);
      if (note !== null) assert.ok(text.includes(note), `${tier}: its note`);
    }
    const tpu = parseScaleTier('BASIC_TPU');
    assert.ok(!tpu.ok && text.includes(tpu.error.message), 'BASIC_TPU as the parser refuses it');
    assert.match(text, /`CUSTOM`: the machines you name\. `--master-machine-type`/);
  });

  it('runtimes: every runtime with each of its Pythons, the images a job gets, and the other frameworks', () => {
    const text = helpText('runtimes');
    for (const runtime of RUNTIME_VERSIONS) {
      const rows = rowsStarting(text, runtime);
      assert.ok(rows.length > 0, `no row for runtime ${runtime}`);
      const chosen = runtimeImages(runtime, null);
      assert.ok(chosen.ok);
      const row = rows.find((r) => r.includes(`${chosen.value.python} (default)`));
      assert.ok(row, `${runtime}: default Python`);
      assert.ok(row.includes(imageName(chosen.value.cpu)) && row.includes(imageName(chosen.value.gpu)), `${runtime}: default images`);
      assert.ok(row.includes(chosen.value.availableUntil), `${runtime}: until`);
    }
    for (const image of TRAINING_IMAGES) assert.ok(text.includes(image.name), `image ${image.name}`);
    for (const framework of ['TensorFlow', 'PyTorch', 'scikit-learn', 'XGBoost']) assert.ok(text.includes(framework), framework);
    assert.match(text, /Retired images are never sent/);
    assert.match(text, /nearest TensorFlow version/);
    // The fallback text alone names every runtime too (notifications, screen readers).
    for (const runtime of RUNTIME_VERSIONS) assert.ok(trainHelp('runtimes').text.includes(runtime));
  });

  it('gpus: every GPU by names the parser reads, with the machines it goes with, and the K80 replacement', () => {
    const text = helpText('gpus');
    for (const key of GPU_KEYS) {
      const g = GPUS[key];
      const [row] = rowsStarting(text, key);
      assert.ok(row, `no row for ${key}`);
      for (const name of [key, g.vertexAcceleratorType, g.acceleratorType]) {
        assert.ok(row.includes(name), `${key}: ${name}`);
        const read = readAccelerator(name);
        assert.ok(!('error' in read) && read.gpu === key, `the parser reads ${name} as ${key}`);
      }
      assert.ok(row.endsWith(g.counts.join(',')), `${key}: counts`);
      const line = text.split('\n').find((l) => l.startsWith(`• \`${key}\` `));
      assert.ok(line, `${key}: machines line`);
      for (const c of g.counts) {
        for (const machine of machinesWithGpus(key, c)) assert.ok(line.includes(`\`${machine}\``), `${key}: ${machine}`);
        if (g.attached) assert.ok(line.includes(`\`${g.defaultMachine(c)}\``), `${key}: default machine for ${c}`);
      }
    }
    for (const [old, now] of Object.entries(RETIRED_GPU_REPLACEMENT)) {
      assert.ok(text.includes(`\`${old}\``) && text.includes(`read as \`${now}\``), `${old} replacement`);
      for (const name of [`nvidia-tesla-${old}`, `NVIDIA_TESLA_${old.toUpperCase()}`]) {
        assert.ok(text.includes(name));
        const read = readAccelerator(name);
        assert.ok(!('error' in read) && read.gpu === now && read.replaced !== null, `the parser replaces ${name}`);
      }
    }
  });

  it('submit: the four ways, and examples the parser accepts', () => {
    const text = helpText('submit');
    for (const part of ['*ML Engine flags*', '*Vertex AI flags*', '*A pasted gcloud line*', '*The form*', '--scale-tier', '--worker-pool-spec', 'gcloud ai custom-jobs create']) {
      assert.ok(text.includes(part), `submit help misses ${part}`);
    }
    for (const example of TRAIN_SUBMIT_EXAMPLES) {
      assert.ok(text.includes(example));
      const parsed = parseTrainCommand(example.replace(/^\/train /, ''), { today: '2026-03-02' });
      assert.ok(parsed.ok, `${example}: ${parsed.ok ? '' : parsed.error.message}`);
      assert.ok(parsed.value.kind === 'submit' && parsed.value.request !== null, example);
    }
  });

  it('list, status, cancel and logs: the usage and an example the parser accepts', () => {
    for (const sub of ['list', 'status', 'cancel', 'logs'] as const) {
      const text = helpText(sub);
      assert.ok(text.includes(`/train ${sub}`), sub);
      const example = /Example: `([^`]+)`/.exec(text)?.[1];
      assert.ok(example, `${sub}: example`);
      const parsed = parseTrainCommand(example.replace(/^\/train /, ''), { today: '2026-03-02' });
      assert.ok(parsed.ok && parsed.value.kind === sub, `${sub}: ${example}`);
    }
    assert.match(helpText('list'), /--all/);
    assert.match(helpText('cancel'), /owner or an admin/);
  });
});
