/**
 * Markdown output for benchmarks: every bench file prints one markdown section on stdout
 * (progress goes to stderr through `progress`). Ratios are printed next to both figures they
 * come from, never a bare time without its peer.
 */

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

  toString(): string {
    return this.parts.join('\n\n') + '\n';
  }

  print(): void {
    process.stdout.write(this.toString());
  }
}
