// The one CSV writer of every export (contacts, reports, email logs, the audit log, the access
// review): csv-stringify with a header row and `escape_formulas`, so a cell a spreadsheet would run
// as a formula (starting with = + - @, a tab or a carriage return, or their fullwidth forms ＝ ＋ －
// ＠ that some spreadsheets normalise) is written with a leading ' (OWASP "CSV injection").
import { stringify, type Stringifier } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

/** A streaming CSV writer (object rows, or arrays in `columns` order). */
export function csvWriter(columns: readonly string[]): Stringifier {
  return stringify({ header: true, columns: [...columns], escape_formulas: true });
}

/** Rows as one CSV string. */
export function csvText(rows: readonly object[], columns: readonly string[]): string {
  return stringifySync([...rows] as Record<string, unknown>[], { header: true, columns: [...columns], escape_formulas: true });
}
