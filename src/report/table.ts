/** Plain-text tables for the terminal: aligned columns, a rule under the header, colour only when asked. */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours that do nothing: for files, pipes and NO_COLOR. */
export const NO_COLORS: Colors = pc.createColors(false);

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

export interface TableOptions {
  /** Per column: 'l' (text) or 'r' (numbers). Defaults: first column left, others right. */
  align?: ('l' | 'r')[];
  colors?: Colors;
  indent?: string;
}

export function renderTable(head: string[], rows: string[][], opts: TableOptions = {}): string[] {
  const c = opts.colors ?? NO_COLORS;
  const indent = opts.indent ?? '  ';
  const n = head.length;
  const align = Array.from({ length: n }, (_, i) => opts.align?.[i] ?? (i === 0 ? 'l' : 'r'));
  const widths = head.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, widths[i] - visibleWidth(s)));
    return align[i] === 'l' ? s + fill : fill + s;
  };
  const line = (cells: string[]) => `${indent}${cells.map((s, i) => pad(s ?? '', i)).join('  ')}`.trimEnd();
  return [c.bold(line(head)), c.dim(`${indent}${widths.map((w) => '-'.repeat(w)).join('  ')}`), ...rows.map(line)];
}
