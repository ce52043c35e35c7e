import { fmt } from './machine';
import type { BenchSection } from './section';

/** Enough digits to compare side by side: 3 decimals below 10, none above 1,000. */
export function figure(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return fmt(n, a >= 1000 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

/** One benchmark's part of the table, as Markdown (so RESULTS.md can hold it verbatim). */
export function renderSection(s: BenchSection): string {
  const out = [
    `### ${s.title}`,
    '',
    s.inputs,
    '',
    '| measured | unit | min | median | max | runs | also |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of s.rows)
    out.push(
      `| ${r.name} | ${r.unit} | ${figure(r.min)} | ${figure(r.median)} | ${figure(r.max)} | ${r.runs} | ${r.extra ?? ''} |`,
    );
  if (s.ratios.length) {
    out.push('', '| ratio | value | goal |', '|---|---:|---|');
    for (const q of s.ratios)
      out.push(
        `| ${q.name} | ${figure(q.value)} | ${q.goal ? `${q.goal} ${q.met ? '— met' : '— **not met**'}` : ''} |`,
      );
  }
  if (s.goals.length) {
    out.push('', '| goal | measured | |', '|---|---|---|');
    for (const g of s.goals) out.push(`| ${g.goal} | ${g.measured} | ${g.met ? 'met' : '**not met**'} |`);
  }
  for (const n of s.notes ?? []) out.push('', `- ${n}`);
  out.push('');
  return out.join('\n');
}

/** Every goal of every section in one table: the first thing a reader looks at. */
export function renderGoals(sections: BenchSection[]): string {
  const out = ['| benchmark | goal | measured | |', '|---|---|---|---|'];
  for (const s of sections) {
    for (const g of s.goals) out.push(`| ${s.title} | ${g.goal} | ${g.measured} | ${g.met ? 'met' : '**not met**'} |`);
    for (const q of s.ratios.filter((r) => r.goal))
      out.push(`| ${s.title} | ${q.name} ${q.goal} | ${figure(q.value)} | ${q.met ? 'met' : '**not met**'} |`);
  }
  return out.join('\n');
}
