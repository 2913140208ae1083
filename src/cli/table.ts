/**
 * Renders rows as an aligned plain-text table: a column is right-aligned when every cell in it
 * is a number or `right` lists it (pre-formatted figures such as `10.2×`).
 */
export function renderTable(headers: string[], rows: (string | number)[][], right: number[] = []): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell))),
  ];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const numeric = headers.map(
    (_, column) => right.includes(column) || rows.every((row) => typeof row[column] === 'number'),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** 12345.6 → "12,346"; small ratios keep one decimal. */
export function formatNumber(value: number): string {
  if (Math.abs(value) < 100 && !Number.isInteger(value)) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}
