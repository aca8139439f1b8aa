/**
 * Markdown output for benchmarks: every bench file prints one markdown section on stdout
 * (progress goes to stderr through `progress`). Ratios are printed next to both figures they
 * come from, never a bare time without its peer.
 */
import { pathToFileURL } from 'node:url';
import { argValue } from './timing.js';

/** A progress line on stderr (stdout is the markdown result). */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A markdown table; numbers are printed as given (format them first). */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** `a / b`, NaN when b is 0. */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export interface Goal {
  /** what is measured, e.g. "blob cold: gateway / distribution proxy" */
  name: string;
  /** the measured value (a ratio, or MB for memory) */
  value: number;
  op: '≥' | '≤';
  target: number;
  /** unit after value and target: '×' (default) or e.g. ' MB' */
  unit?: string;
}

export function goalMet(g: Goal): boolean {
  return g.op === '≥' ? g.value >= g.target : g.value <= g.target;
}

/** One row per goal: name, measured, goal, met / NOT MET. */
export function goalTable(goals: Goal[]): string {
  return table(
    ['goal', 'measured', 'target', 'result'],
    goals.map((g) => {
      const unit = g.unit ?? '×';
      const value = unit === '×' ? formatRatio(g.value) : `${g.value.toFixed(0)}${unit}`;
      return [g.name, value, `${g.op} ${g.target}${unit}`, goalMet(g) ? 'met' : '**NOT MET**'];
    }),
  );
}

/** Collects the markdown of one bench file; `print()` writes it to stdout at the end. */
export class Section {
  private readonly parts: string[] = [];

  constructor(title: string) {
    this.parts.push(`## ${title}`);
  }

  heading(text: string): this {
    this.parts.push(`### ${text}`);
    return this;
  }

  text(...lines: string[]): this {
    this.parts.push(lines.join('\n'));
    return this;
  }

  table(head: string[], rows: Array<Array<string | number>>): this {
    this.parts.push(table(head, rows));
    return this;
  }

  goals(goals: Goal[]): this {
    this.parts.push(goalTable(goals));
    return this;
  }

  /** A closing "Goals" heading with the goal table and whether all were met. */
  goalsSummary(goals: Goal[]): this {
    return this.heading('Goals').goals(goals).text(goals.every(goalMet) ? 'All goals met.' : '**Some goals are not met.**');
  }

  toString(): string {
    return this.parts.join('\n\n') + '\n';
  }

  print(): void {
    process.stdout.write(this.toString());
  }
}

/** Options of the wrk-driven overhead benchmarks (bench/auth.ts, bench/telemetry.ts), from the command line. */
export interface WrkBenchOptions { seconds: number; rounds: number; connections: number; threads: number }

/**
 * Runs `bench` when `moduleUrl` is the file node was started with: options from the command line,
 * the section printed on stdout, an error on stderr with exit code 2.
 */
export function runWhenMain(moduleUrl: string, name: string, bench: (opts: WrkBenchOptions) => Promise<{ section: Section }>): void {
  if (!process.argv[1] || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  const opts = {
    seconds: Number(argValue('seconds', '4')),
    rounds: Number(argValue('rounds', '7')),
    connections: Number(argValue('connections', '16')),
    threads: Number(argValue('threads', '1')),
  };
  bench(opts).then(({ section }) => section.print(), (e: unknown) => {
    process.stderr.write(`bench/${name}: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
