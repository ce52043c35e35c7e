/**
 * What each benchmark hands `bench/run.ts` (the `npm run bench` table). Every row is measured in
 * the same run as the rows it is compared with; a ratio names both rows it divides.
 */
export interface BenchRow {
  /** e.g. "linehouse (parse → validate → normalize → insert → checkpoint)" */
  name: string;
  /** e.g. "ticks/s", "s", "req/s", "ms" */
  unit: string;
  min: number;
  median: number;
  max: number;
  /** Runs behind min/median/max. */
  runs: number;
  /** Extra figures worth a column of their own: p99, RSS, … (already formatted). */
  extra?: string;
}

export interface BenchRatio {
  /** e.g. "linehouse / ceiling (median ticks/s)" */
  name: string;
  value: number;
  /** e.g. "≥ 0.5"; absent when the ratio has no goal. */
  goal?: string;
  met?: boolean;
}

export interface BenchGoal {
  /** e.g. "≥ 200,000 ticks/s" */
  goal: string;
  /** e.g. "231,004 ticks/s" */
  measured: string;
  met: boolean;
}

export interface BenchSection {
  /** e.g. "Feed ingest, 1M ticks" */
  title: string;
  /** The inputs in one line: sizes, batch settings, runs. */
  inputs: string;
  rows: BenchRow[];
  ratios: BenchRatio[];
  goals: BenchGoal[];
  /** Anything a reader must know to trust the figures (load average, what was excluded). */
  notes?: string[];
}
