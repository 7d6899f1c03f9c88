/**
 * A hyperparameter tuning job's study as the bot keeps it, free of Vertex AI's wire shapes (src/gcp/
 * writes it as a HyperparameterTuningJob's `studySpec`), and how its trials are judged when it ends:
 * the best trial is found here, by the study's own metric and goal, since Vertex AI's job resource
 * lists its trials without naming a best one.
 */

export type TuningGoal = 'MAXIMIZE' | 'MINIMIZE';
/** How values are searched between min and max: evenly, or evenly in their logarithm (or its reverse). */
export type TuningScale = 'linear' | 'log' | 'reverse-log';
/** `bayesian`: the service's default search (ML Engine's and Vertex AI's ALGORITHM_UNSPECIFIED). */
export type TuningAlgorithm = 'bayesian' | 'grid' | 'random';

export type TuningParameter =
  | { name: string; kind: 'double'; min: number; max: number; scale: TuningScale | null }
  | { name: string; kind: 'integer'; min: number; max: number; scale: TuningScale | null }
  | { name: string; kind: 'categorical'; values: string[] }
  | { name: string; kind: 'discrete'; values: number[]; scale: TuningScale | null };

export interface TuningPlan {
  /** The metric the trainer reports (ML Engine's `hyperparameterMetricTag`). */
  metric: string;
  goal: TuningGoal;
  parameters: TuningParameter[];
  algorithm: TuningAlgorithm;
  maxTrials: number;
  /** Trials run at once: each one runs on the job's whole set of machines. */
  parallelTrials: number;
  /** 0: the service decides when failed trials fail the job. */
  maxFailedTrials: number;
}

/** One trial as seen when the job ended. */
export interface TrialSeen {
  id: string;
  /** `SUCCEEDED`, `INFEASIBLE`, ... (Vertex AI's Trial state). */
  state: string;
  parameters: readonly { name: string; value: string | number }[];
  /** The final measurement's metrics, by metric id. */
  metrics: readonly { name: string; value: number }[];
}

export interface BestTrial {
  id: string;
  parameters: { name: string; value: string | number }[];
  /** The study's metric in that trial. */
  value: number;
}

/** What a tuning job's end notice tells: the best trial, and how many trials ran and succeeded. */
export interface TuningOutcome {
  metric: string;
  goal: TuningGoal;
  best: BestTrial | null;
  trials: number;
  succeeded: number;
}

export function copyTuning(t: TuningPlan): TuningPlan {
  return { ...t, parameters: t.parameters.map((p) => (p.kind === 'categorical' || p.kind === 'discrete' ? { ...p, values: [...p.values] } : { ...p })) as TuningParameter[] };
}

/**
 * The trial with the best final value of the study's metric, by its goal, among the trials that
 * succeeded and reported it; on a tie the one listed first (Vertex AI lists trials by id, oldest first).
 */
export function tuningOutcome(plan: Pick<TuningPlan, 'metric' | 'goal'>, trials: readonly TrialSeen[]): TuningOutcome {
  let best: BestTrial | null = null;
  let succeeded = 0;
  for (const trial of trials) {
    if (trial.state !== 'SUCCEEDED') continue;
    succeeded++;
    const value = trial.metrics.find((m) => m.name === plan.metric)?.value;
    if (value === undefined || !Number.isFinite(value)) continue;
    const better = best === null || (plan.goal === 'MAXIMIZE' ? value > best.value : value < best.value);
    if (better) best = { id: trial.id, parameters: trial.parameters.map((p) => ({ ...p })), value };
  }
  return { metric: plan.metric, goal: plan.goal, best, trials: trials.length, succeeded };
}
