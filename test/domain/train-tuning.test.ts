import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainCommand, type TrainRequest } from '../../src/domain/train-command.js';
import { readConfigText } from '../../src/domain/config-text.js';
import { DEFAULT_METRIC_TAG, TUNING_ERROR_CODES, readTuningConfig } from '../../src/domain/train-tuning.js';
import { tuningOutcome, type TrialSeen } from '../../src/domain/tuning-plan.js';
import { planJob, planPools } from '../../src/domain/job-plan.js';

const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
/** A day when runtime 2.11's own images still ran: these tests read configs, not dates. */
const ON = '2024-06-01';
const LINE = `gcloud ai-platform jobs submit training census_hp --region us-central1 --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --config hptuning.yaml -- --epochs 3`;

/** ML Engine's own example of a tuning config (its "Using hyperparameter tuning" page), comments and all. */
const HPTUNING = `
trainingInput:
  scaleTier: CUSTOM
  masterType: n1-standard-8
  masterConfig:
    acceleratorConfig:
      count: 1
      type: NVIDIA_TESLA_T4
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: accuracy   # what the trainer reports
    maxTrials: 30
    maxParallelTrials: 2
    maxFailedTrials: 3
    params:
    - parameterName: hidden1
      type: INTEGER
      minValue: 40
      maxValue: 400
      scaleType: UNIT_LINEAR_SCALE
    - parameterName: learning_rate
      type: DOUBLE
      minValue: 0.0001
      maxValue: 0.5
      scaleType: UNIT_LOG_SCALE
    - parameterName: numRnnCells
      type: DISCRETE
      discreteValues: [4, 1, 2]
    - parameterName: rnnCellType
      type: CATEGORICAL
      categoricalValues:
      - BasicLSTMCell
      - "GRUCell"
      - 'LSTM # Cell'
`;

function submit(text: string, configText?: string): TrainRequest {
  const parsed = parseTrainCommand(text, configText === undefined ? { today: ON } : { today: ON, configText });
  assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.error.code}: ${parsed.error.message}`);
  assert.ok(parsed.value.kind === 'submit' && parsed.value.request !== null);
  return parsed.value.request;
}

test('a pasted gcloud line with --config and the file\'s text becomes a job with its study, machines from the file', () => {
  const req = submit(LINE, HPTUNING);
  assert.deepEqual(req.tuning, {
    metric: 'accuracy',
    goal: 'MAXIMIZE',
    algorithm: 'bayesian',
    maxTrials: 30,
    parallelTrials: 2,
    maxFailedTrials: 3,
    parameters: [
      { name: 'hidden1', kind: 'integer', min: 40, max: 400, scale: 'linear' },
      { name: 'learning_rate', kind: 'double', min: 0.0001, max: 0.5, scale: 'log' },
      { name: 'numRnnCells', kind: 'discrete', values: [1, 2, 4], scale: null },
      { name: 'rnnCellType', kind: 'categorical', values: ['BasicLSTMCell', 'GRUCell', 'LSTM # Cell'] },
    ],
  });
  const chief = req.pools[0];
  assert.equal(chief?.machineType, 'n1-standard-8');
  assert.deepEqual(chief?.accelerator, { type: 'NVIDIA_TESLA_T4', count: 1 });
  assert.ok(chief?.task.kind === 'python' && chief.task.args.join(' ') === '--epochs 3');
  // The plan carries the study; its cost counts each parallel trial's machines.
  const { plan } = planJob(req, { owner: 'U0ALICE', jobId: 'job-1', defaultRegion: 'us-central1' });
  assert.equal(plan.tuning?.parallelTrials, 2);
  assert.deepEqual(planPools(plan).map((p) => p.replicaCount), [2]);
});

test('the command line wins over the config where both name a setting, as gcloud does', () => {
  const req = submit(LINE.replace(' --config', ' --master-machine-type n1-standard-16 --config'), HPTUNING.replace('n1-standard-8', 'n1-standard-4'));
  assert.equal(req.pools[0]?.machineType, 'n1-standard-16');
});

test('the config alone (just its hyperparameters, or just the spec) with flags on the line works, in YAML or JSON', () => {
  const spec = 'hyperparameters:\n  hyperparameterMetricTag: loss\n  goal: minimize\n  maxTrials: 4\n  params:\n    - parameterName: lr\n      type: DOUBLE\n      minValue: 0.01\n      maxValue: 0.1\n';
  const line = `submit j --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`;
  assert.equal(submit(line, spec).tuning?.goal, 'MINIMIZE');
  const bare = spec.replace('hyperparameters:\n', '').replace(/^ {2}/gm, '');
  assert.equal(submit(line, bare).tuning?.metric, 'loss');
  const json = JSON.stringify({ trainingInput: { hyperparameters: { maxTrials: 6, params: [{ parameterName: 'units', type: 'INTEGER', minValue: 8, maxValue: 64 }] } } });
  const fromJson = submit(line, json).tuning;
  assert.equal(fromJson?.maxTrials, 6);
  assert.equal(fromJson?.metric, DEFAULT_METRIC_TAG);
  assert.deepEqual(fromJson?.parameters, [{ name: 'units', kind: 'integer', min: 8, max: 64, scale: null }]);
});

test('an ordinary submit has no study, and the record shape stays as before', () => {
  const req = submit(`submit j --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
  assert.equal('tuning' in req, false);
  const { plan } = planJob(req, { owner: 'U0ALICE', jobId: 'job-1', defaultRegion: 'us-central1' });
  assert.equal('tuning' in plan, false);
});

test('the YAML reader keeps scalars as written and says which line is wrong', () => {
  const read = readConfigText('a:\n  b: 1.10\n  c: [x, "y, z"]\n  d:\n  - k: v\n    l: w\n  - plain\n');
  assert.ok(read.ok);
  assert.deepEqual(read.value, { a: { b: '1.10', c: ['x', 'y, z'], d: [{ k: 'v', l: 'w' }, 'plain'] } });
  const tab = readConfigText('a:\n\tb: 1\n');
  assert.ok(!tab.ok && /Line 2.*tab/.test(tab.error.message), JSON.stringify(tab));
  const deeper = readConfigText('a: 1\n   b: 2\n');
  assert.ok(!deeper.ok && /Line 2/.test(deeper.error.message), JSON.stringify(deeper));
});

test('each mistake in a config gets its own code and says what would be right', () => {
  const base = (params: string, extra = '') => `trainingInput:\n  hyperparameters:\n    maxTrials: 4\n${extra}    params:\n${params}`;
  const lr = '    - parameterName: lr\n      type: DOUBLE\n      minValue: 0.01\n      maxValue: 0.1\n';
  const cases: { config: string; code: string; says: RegExp }[] = [
    { config: 'trainingInput: [1, 2]', code: 'BAD_CONFIG', says: /indented under it/ },
    { config: 'trainingInput:\n  scaleTier: BASIC\n', code: 'NO_HYPERPARAMETERS', says: /no `hyperparameters:` section/ },
    { config: base(''), code: 'NO_HYPERPARAMETERS', says: /`params` lists the parameters/ },
    { config: base(lr, '    goal: BIGGER\n'), code: 'BAD_TUNING_VALUE', says: /`MAXIMIZE` or `MINIMIZE`/ },
    { config: base(lr, '    maxParallelTrials: 0\n'), code: 'BAD_TUNING_VALUE', says: /at least 1/ },
    { config: base(lr, '    hyperparameterMetricTag: my metric\n'), code: 'BAD_TUNING_VALUE', says: /without spaces/ },
    { config: base(lr, '    algorithm: HILL_CLIMB\n'), code: 'BAD_TUNING_VALUE', says: /GRID_SEARCH/ },
    { config: base(lr, '    maxTrails: 3\n'), code: 'UNKNOWN_CONFIG_KEY', says: /Did you mean `maxTrials`/ },
    { config: base(lr, '    resumePreviousJobId: old_job\n'), code: 'UNSUPPORTED_CONFIG_KEY', says: /start a new study/ },
    { config: `trainingInput:\n  serviceAccount: sa@x\n${base(lr).replace('trainingInput:\n', '')}`, code: 'UNSUPPORTED_CONFIG_KEY', says: /Take it out/ },
    { config: base(lr.replace('minValue: 0.01', 'minValue: 1.5')), code: 'BAD_PARAMETER', says: /`minValue` 1.5 is above `maxValue` 0.1/ },
    { config: base(lr.replace('DOUBLE', 'FLOAT')), code: 'BAD_PARAMETER', says: /`DOUBLE`, `INTEGER`, `CATEGORICAL` or `DISCRETE`/ },
    { config: base(lr.replace('minValue: 0.01', 'minValue: 0') + '      scaleType: UNIT_LOG_SCALE\n'), code: 'BAD_PARAMETER', says: /log scale.*above 0/ },
    { config: base(lr + lr), code: 'BAD_PARAMETER', says: /`lr` is in `params` twice/ },
    { config: base('    - parameterName: units\n      type: INTEGER\n      minValue: 8\n      maxValue: 6.5\n'), code: 'BAD_PARAMETER', says: /each a whole number/ },
    { config: base('    - parameterName: cell\n      type: CATEGORICAL\n'), code: 'BAD_PARAMETER', says: /list its `categoricalValues`/ },
    { config: base('    - parameterName: k\n      type: DISCRETE\n      discreteValues: [1, two]\n'), code: 'BAD_PARAMETER', says: /numbers/ },
    { config: base(lr, '    algorithm: GRID_SEARCH\n'), code: 'BAD_PARAMETER', says: /`lr` is a `DOUBLE`. Make it `DISCRETE`/ },
  ];
  const seen = new Set<string>();
  for (const c of cases) {
    const result = readTuningConfig(c.config);
    assert.ok(!result.ok, `${JSON.stringify(c.config)} should be refused with ${c.code}`);
    assert.equal(result.error.code, c.code, result.error.message);
    assert.match(result.error.message, c.says);
    seen.add(c.code);
  }
  // `--config` without the file's text: the answer says where to paste it.
  const noText = parseTrainCommand(LINE, { today: ON });
  assert.ok(!noText.ok);
  assert.equal(noText.error.code, 'CONFIG_FILE_UNREADABLE');
  assert.match(noText.error.message, /`--config hptuning.yaml`.*can't read from Slack.*`\/train` alone to open the form.*\*Tuning config\*/);
  seen.add(noText.error.code);
  assert.deepEqual(TUNING_ERROR_CODES.filter((code) => !seen.has(code)), [], 'every error code has a case');
});

test('the best trial is the best value of the study\'s metric by its goal, among trials that succeeded', () => {
  const trial = (id: string, state: string, value: number | null, lr: number): TrialSeen => ({
    id,
    state,
    parameters: [{ name: 'lr', value: lr }],
    metrics: value === null ? [] : [{ name: 'accuracy', value }, { name: 'loss', value: -value }],
  });
  const trials = [trial('1', 'SUCCEEDED', 0.81, 0.1), trial('2', 'SUCCEEDED', 0.9, 0.01), trial('3', 'INFEASIBLE', 0.99, 0.5), trial('4', 'SUCCEEDED', null, 0.2), trial('5', 'SUCCEEDED', 0.7, 0.3)];
  const max = tuningOutcome({ metric: 'accuracy', goal: 'MAXIMIZE' }, trials);
  assert.deepEqual(max.best, { id: '2', parameters: [{ name: 'lr', value: 0.01 }], value: 0.9 });
  assert.equal(max.trials, 5);
  assert.equal(max.succeeded, 4);
  assert.equal(tuningOutcome({ metric: 'accuracy', goal: 'MINIMIZE' }, trials).best?.id, '5');
  assert.equal(tuningOutcome({ metric: 'loss', goal: 'MINIMIZE' }, trials).best?.id, '2');
  assert.equal(tuningOutcome({ metric: 'f1', goal: 'MAXIMIZE' }, trials).best, null);
});
