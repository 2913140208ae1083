// Python's str() of the values a key field can hold. Popoto builds a record key from
// `str(value)` of each key field (then escapes it), so a key written by popoto-ts must hold the
// very text Python prints: `1.0` for a float 1, `1e+16`, `True`, `2024-01-02 03:04:05.000006`,
// `1E+2` for Decimal('1e2'). Checked against Python itself in test/interop/keys.test.ts.
import { microsOf } from './datetime.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Python's `repr()` (and `str()`) of a float: the shortest digits that read back as the same
 * double (JavaScript's `toExponential()` gives the same digits), written in positional form for
 * exponents from -4 to 15, else as `d.ddde+XX` with at least two exponent digits.
 */
export function pythonFloatStr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  let text: string;
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    text = `${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${pad(Math.abs(exponent))}`;
  } else if (exponent < 0) {
    text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent + 1) {
    text = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  } else {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  return value < 0 ? `-${text}` : text;
}

const PLAIN_DECIMAL = /^-?[1-9]\d*(?:\.\d+)?$/;
const NUMERIC_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const SPECIAL_DECIMAL = /^([+-]?)(?:(inf(?:inity)?)|(s?)nan(\d*))$/i;

/**
 * Python's `str(Decimal(text))` for a decimal string Python's `Decimal()` accepts (the
 * General Decimal Arithmetic "to-scientific-string"): `'1e2'` → `'1E+2'`, `'0.0000001'` →
 * `'1E-7'`, `'+5'` → `'5'`, `'.5'` → `'0.5'`, `'inf'` → `'Infinity'`. Undefined for any other text.
 */
export function pythonDecimalStr(text: string): string | undefined {
  // Most decimals (prices, amounts) are already in Python's form.
  if (PLAIN_DECIMAL.test(text)) return text;
  const special = SPECIAL_DECIMAL.exec(text);
  if (special !== null) {
    const [, sign, infinity, signalling, payload = ''] = special;
    const negative = sign === '-' ? '-' : '';
    if (infinity !== undefined) return `${negative}Infinity`;
    return `${negative}${signalling === '' ? 'NaN' : 'sNaN'}${payload.replace(/^0+/, '')}`;
  }
  const match = NUMERIC_DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  const exponent = Number(exponentText) - fraction.length;
  const adjusted = exponent + digits.length - 1;
  let body: string;
  if (exponent <= 0 && adjusted >= -6) {
    const point = digits.length + exponent;
    if (exponent === 0) body = digits;
    else if (point > 0) body = `${digits.slice(0, point)}.${digits.slice(point)}`;
    else body = `0.${'0'.repeat(-point)}${digits}`;
  } else {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    body = `${digits[0]}${rest}E${adjusted < 0 ? '-' : '+'}${Math.abs(adjusted)}`;
  }
  return sign === '-' ? `-${body}` : body;
}

/** Python's `str()` of a date (the UTC calendar date of `date`): `2024-01-02`. */
export function pythonDateStr(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/**
 * Python's `str()` of a naive datetime (popoto-ts's datetimes are naive UTC):
 * `2024-01-02 03:04:05`, with `.ffffff` only when the microseconds are not 0.
 */
export function pythonDatetimeStr(date: Date): string {
  const micros = date.getUTCMilliseconds() * 1000 + microsOf(date);
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${pythonDateStr(date)} ${time}${micros === 0 ? '' : `.${pad(micros, 6)}`}`;
}
