/**
 * Values files read exactly as Python's `yaml.safe_load` (PyYAML, YAML 1.1) reads them, so a
 * template sees the values Jinja2 would see: `on`/`yes` are booleans, `0644` is 420, `1:20` is 80,
 * `1e3` is a string, `2024-01-02` is a `datetime.date`, merge keys (`<<`) merge.
 *
 * The `yaml` package parses the text (with the failsafe schema, so every scalar arrives as the
 * string written); the scalars are then resolved here with PyYAML's own implicit resolvers and
 * constructors (resolver.py / constructor.py), because the `yaml` package's YAML 1.1 schema differs
 * from PyYAML in places (`y`/`n`, `1e3`, `0o17`, `+.5`, timestamps, merge order). Every plain
 * scalar that YAML 1.2 reads differently gets one warning naming its line and both readings.
 */
import { CST, Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { PyException } from './errors.ts';
import { floorDivBig } from './ops.ts';
import { PyFunction, PyObject, checkIntStrDigits, dictSet, pyRepr, typeName } from './values.ts';
import type { PyDict, PyValue } from './values.ts';

/** A plain scalar whose meaning differs between YAML 1.1 (what is used) and YAML 1.2. */
export interface YamlVersionWarning {
  /** 1-based line of the scalar. */
  line: number;
  /** The scalar as written. */
  text: string;
  /** The value used (YAML 1.1, as PyYAML reads it), as Python's repr and type: `True (bool)`. */
  yaml11: string;
  /** What a YAML 1.2 reader would make of it: `'on' (str)`. */
  yaml12: string;
}

export interface ValuesYaml {
  value: PyValue;
  warnings: YamlVersionWarning[];
}

export interface ReadValuesOptions {
  /**
   * The most nodes the document may have once every alias is expanded (default 100 000): an
   * alias bomb ("billion laughs") fails with a clear error instead of exhausting memory.
   */
  maxAliasExpansion?: number;
}

/** A values file that cannot be read; `line` is 1-based when known. */
export class ValuesYamlError extends Error {
  override readonly name = 'ValuesYamlError';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Python's datetime.date and datetime.datetime (what PyYAML makes of timestamps)

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Python's `datetime.date`. */
export class PyDate extends PyObject {
  readonly typeName: string = 'date';
  override readonly moduleName: string = 'datetime';
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {
    super();
  }
  isoformat(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }
  override str(): string {
    return this.isoformat();
  }
  override repr(): string {
    return `datetime.date(${this.year}, ${this.month}, ${this.day})`;
  }
  /** Days since 0001-01-01 (Python's proleptic ordinal minus one). */
  protected dayNumber(): number {
    return Date.UTC(this.year, this.month - 1, this.day) / 86_400_000;
  }
  /** Python compares a date only with a date (a datetime is never equal to a date). */
  override equals(other: PyValue): boolean | undefined {
    if (!(other instanceof PyDate)) return undefined;
    if (other instanceof PyDateTime) return false;
    return this.dayNumber() === other.dayNumber();
  }
  override compareTo(other: PyValue): number | undefined {
    if (!(other instanceof PyDate) || other instanceof PyDateTime) return undefined;
    return Math.sign(this.dayNumber() - other.dayNumber());
  }
  /** Monday is 0, as Python's `date.weekday()`. */
  weekday(): number {
    return (new Date(Date.UTC(this.year, this.month - 1, this.day)).getUTCDay() + 6) % 7;
  }
  /** `date - date` is a timedelta; `date ± timedelta` moves by the timedelta's whole days. */
  override arith(op: string, other: PyValue, reflected: boolean): PyValue | undefined {
    if (other instanceof PyTimeDelta && (op === '+' || (op === '-' && !reflected))) {
      const days = op === '+' ? other.days() : -other.days();
      return dateFromDayNumber(this.dayNumber() + Number(days));
    }
    if (op === '-' && !reflected && other instanceof PyDate && !(other instanceof PyDateTime)) {
      return new PyTimeDelta(BigInt(this.dayNumber() - other.dayNumber()) * US_PER_DAY);
    }
    return undefined;
  }
  /** `date.__format__` (and datetime's): a non-empty spec is a strftime format. */
  override format(spec: string): string {
    return this.strftime(spec);
  }
  /**
   * Python's `strftime`: Python expands `%f`, `%z` and `%Z` itself and hands the rest to the C
   * library, here glibc in the C locale with TZ=UTC (a runner's): its flags (`-` no padding, `_`
   * space padding, `0` zero padding, `^` upper case, `#` swapped case), a field width, the
   * ignored `E`/`O` modifiers, and every conversion it knows; an unknown one stays as written.
   */
  strftime(format: string): string {
    return format.replace(
      /%([-_0^#]*)([0-9]*)([EO]?)([a-zA-Z%+])/g,
      (whole, flags: string, width: string, modifier: string, d: string) => {
        if (modifier !== '' && !(modifier === 'E' ? 'cCxXyY' : 'deHImMSuUVwWy').includes(d)) return whole;
        let v = this.directive(d);
        if (v === undefined) return whole;
        const numeric = /^[ 0-9]+$/.test(v) && !'cxXDFRTr'.includes(d);
        if (flags.includes('-')) v = v.replace(/^[0 ]+(?=.)/, '');
        else if (flags.includes('_')) v = v.replace(/^0+(?=.)/, (z) => ' '.repeat(z.length));
        else if (flags.includes('0')) v = v.replace(/^ +(?=.)/, (z) => '0'.repeat(z.length));
        if (flags.includes('^')) v = v.toUpperCase();
        else if (flags.includes('#')) v = 'pZ'.includes(d) ? v.toLowerCase() : v.toUpperCase();
        // A width pads with the field's own padding (zeros, spaces for %e %k %l and names),
        // or as the flag says (`-` and `_` spaces, `0` zeros).
        const w = Number(width || '0');
        if (v.length < w) {
          const zeros = flags.includes('0') || (numeric && !/[-_]/.test(flags) && !'ekl'.includes(d));
          v = (zeros ? '0' : ' ').repeat(w - v.length) + v;
        }
        return v;
      },
    );
  }
  /** 0-based day of the year. */
  private yearDay(): number {
    return (Date.UTC(this.year, this.month - 1, this.day) - Date.UTC(this.year, 0, 1)) / 86_400_000;
  }
  /** The ISO 8601 week-numbering year and week (`%G`, `%V`). */
  private isoWeek(): [number, number] {
    const thursday = Date.UTC(this.year, this.month - 1, this.day + 3 - this.weekday());
    const isoYear = new Date(thursday).getUTCFullYear();
    return [isoYear, Math.floor((thursday - Date.UTC(isoYear, 0, 1)) / 86_400_000 / 7) + 1];
  }
  /** `%s`: the seconds since the epoch of the fields read as local time (UTC). */
  protected epochSeconds(): bigint {
    return BigInt(this.dayNumber()) * 86_400n;
  }
  /** The text of `%d`, as glibc writes it in the C locale with its default padding. */
  protected directive(d: string): string | undefined {
    const dayOfYear = this.yearDay() + 1;
    const wd = this.weekday();
    const f = (c: string): string => this.directive(c) ?? '';
    switch (d) {
      case 'Y':
        return String(this.year);
      case 'y':
        return pad(this.year % 100);
      case 'C':
        return pad(Math.floor(this.year / 100));
      case 'G':
        return String(this.isoWeek()[0]);
      case 'g':
        return pad(this.isoWeek()[0] % 100);
      case 'V':
        return pad(this.isoWeek()[1]);
      case 'U':
        return pad(Math.floor((this.yearDay() + 7 - ((wd + 1) % 7)) / 7));
      case 'W':
        return pad(Math.floor((this.yearDay() + 7 - wd) / 7));
      case 'm':
        return pad(this.month);
      case 'd':
        return pad(this.day);
      case 'e':
        return String(this.day).padStart(2, ' ');
      case 'j':
        return pad(dayOfYear, 3);
      case 'a':
        return DAYS[wd]?.slice(0, 3);
      case 'A':
        return DAYS[wd];
      case 'w':
        return String((wd + 1) % 7);
      case 'u':
        return String(wd + 1);
      case 'b':
      case 'h':
        return MONTHS[this.month - 1]?.slice(0, 3);
      case 'B':
        return MONTHS[this.month - 1];
      case 'H':
      case 'M':
      case 'S':
        return '00';
      case 'k':
        return ' 0';
      case 'I':
      case 'l':
        return '12';
      case 'p':
        return 'AM';
      case 'P':
        return f('p').toLowerCase();
      case 'f':
        return '000000';
      case 'z':
      case 'Z':
        return '';
      case 's':
        return String(this.epochSeconds());
      case 'F':
        return `${f('Y')}-${f('m')}-${f('d')}`;
      case 'D':
      case 'x':
        return `${f('m')}/${f('d')}/${f('y')}`;
      case 'T':
      case 'X':
        return `${f('H')}:${f('M')}:${f('S')}`;
      case 'R':
        return `${f('H')}:${f('M')}`;
      case 'r':
        return `${f('I')}:${f('M')}:${f('S')} ${f('p')}`;
      case 'c':
        return `${f('a')} ${f('b')} ${f('e')} ${f('H')}:${f('M')}:${f('S')} ${f('Y')}`;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case '%':
        return '%';
      default:
        return undefined;
    }
  }
  getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'year':
        return BigInt(this.year);
      case 'month':
        return BigInt(this.month);
      case 'day':
        return BigInt(this.day);
      case 'isoformat':
        return new PyFunction('isoformat', (args, kwargs) => {
          noArgs('isoformat', args, kwargs);
          return this.isoformat();
        });
      case 'weekday':
        return new PyFunction('weekday', (args, kwargs) => {
          noArgs('weekday', args, kwargs);
          return BigInt(this.weekday());
        });
      case 'isoweekday':
        return new PyFunction('isoweekday', (args, kwargs) => {
          noArgs('isoweekday', args, kwargs);
          return BigInt(this.weekday() + 1);
        });
      case 'strftime':
        return new PyFunction('strftime', (args, kwargs) => {
          const format = args[0];
          if (args.length !== 1 || kwargs.size > 0 || typeof format !== 'string') {
            throw new PyException('TypeError', 'strftime() takes exactly one str argument');
          }
          return this.strftime(format);
        });
      default:
        return undefined;
    }
  }
}

const US_PER_DAY = 86_400_000_000n;

/** The date `n` days after 1970-01-01 (what `dayNumber()` counts). */
function dateFromDayNumber(n: number): PyDate {
  const d = new Date(n * 86_400_000);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(n) || year < 1 || year > 9999)
    throw new PyException('OverflowError', 'date value out of range');
  return new PyDate(year, d.getUTCMonth() + 1, d.getUTCDate());
}

/** Python's `datetime.timedelta`, what subtracting dates gives: a signed count of microseconds. */
export class PyTimeDelta extends PyObject {
  readonly typeName: string = 'timedelta';
  override readonly moduleName: string = 'datetime';
  constructor(readonly us: bigint) {
    super();
    const days = this.days();
    if (days > 999_999_999n || days < -999_999_999n) {
      throw new PyException('OverflowError', `days=${days}; must have magnitude <= 999999999`);
    }
  }
  /** Whole days, rounded down (`timedelta(seconds=-1).days` is -1). */
  days(): bigint {
    const d = this.us / US_PER_DAY;
    return this.us < 0n && d * US_PER_DAY !== this.us ? d - 1n : d;
  }
  /** days, seconds (0 to 86399) and microseconds (0 to 999999), as Python normalises them. */
  private parts(): [bigint, bigint, bigint] {
    const days = this.days();
    const rest = this.us - days * US_PER_DAY;
    return [days, rest / 1_000_000n, rest % 1_000_000n];
  }
  override str(): string {
    const [days, seconds, micro] = this.parts();
    let out = `${seconds / 3600n}:${pad(Number((seconds % 3600n) / 60n))}:${pad(Number(seconds % 60n))}`;
    if (micro) out += `.${pad(Number(micro), 6)}`;
    if (days) out = `${days} day${days === 1n || days === -1n ? '' : 's'}, ${out}`;
    return out;
  }
  override repr(): string {
    const [days, seconds, micro] = this.parts();
    const args: string[] = [];
    if (days) args.push(`days=${days}`);
    if (seconds) args.push(`seconds=${seconds}`);
    if (micro) args.push(`microseconds=${micro}`);
    return `datetime.timedelta(${args.length > 0 ? args.join(', ') : '0'})`;
  }
  override truthy(): boolean {
    return this.us !== 0n;
  }
  override equals(other: PyValue): boolean | undefined {
    return other instanceof PyTimeDelta ? this.us === other.us : undefined;
  }
  override compareTo(other: PyValue): number | undefined {
    if (!(other instanceof PyTimeDelta)) return undefined;
    return this.us < other.us ? -1 : this.us > other.us ? 1 : 0;
  }
  override negate(): PyValue {
    return new PyTimeDelta(-this.us);
  }
  override arith(op: string, other: PyValue, reflected: boolean): PyValue | undefined {
    if (other instanceof PyTimeDelta) {
      const [a, b] = reflected ? [other.us, this.us] : [this.us, other.us];
      switch (op) {
        case '+':
          return new PyTimeDelta(a + b);
        case '-':
          return new PyTimeDelta(a - b);
        case '/':
          if (b === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
          return Number(a) / Number(b);
        case '//':
          if (b === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
          return floorDivBig(a, b);
        default:
          return undefined;
      }
    }
    if (typeof other === 'bigint' || typeof other === 'boolean') {
      const n = typeof other === 'boolean' ? BigInt(other) : other;
      if (op === '*') return new PyTimeDelta(this.us * n);
      if (op === '//' && !reflected) {
        if (n === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
        return new PyTimeDelta(floorDivBig(this.us, n));
      }
      if (op === '/' && !reflected) {
        if (n === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
        return new PyTimeDelta(divideAndRound(this.us, n));
      }
    }
    if (typeof other === 'number' && (op === '*' || (op === '/' && !reflected))) {
      // timedelta * float and / float: the float's exact ratio, rounded half to even.
      if (!Number.isFinite(other)) {
        throw new PyException(
          Number.isNaN(other) ? 'ValueError' : 'OverflowError',
          'cannot convert float to integer ratio',
        );
      }
      const [num, den] = floatRatio(other);
      if (op === '*') return new PyTimeDelta(divideAndRound(this.us * num, den));
      if (num === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
      return new PyTimeDelta(divideAndRound(this.us * den, num));
    }
    return undefined;
  }
  getAttr(name: string): PyValue | undefined {
    const [days, seconds, micro] = this.parts();
    switch (name) {
      case 'days':
        return days;
      case 'seconds':
        return seconds;
      case 'microseconds':
        return micro;
      case 'total_seconds':
        return new PyFunction('total_seconds', (args, kwargs) => {
          noArgs('total_seconds', args, kwargs);
          return Number(this.us) / 1e6;
        });
      default:
        return undefined;
    }
  }
}

/** datetime's `_divide_and_round`: a / b rounded half to even. */
function divideAndRound(a: bigint, b: bigint): bigint {
  let q = floorDivBig(a, b);
  const r = a - q * b;
  // r has b's sign; compare 2r with b in magnitude.
  const twice = 2n * r;
  const greater = b > 0n ? twice > b : twice < b;
  if (greater || (twice === b && q % 2n !== 0n)) q += 1n;
  return q;
}

/** `float.as_integer_ratio()` of a finite float. */
function floatRatio(x: number): [bigint, bigint] {
  let den = 1n;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2;
    den *= 2n;
  }
  return [BigInt(m), den];
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function noArgs(name: string, args: PyValue[], kwargs: Map<string, PyValue>): void {
  if (args.length > 0 || kwargs.size > 0) {
    throw new PyException('TypeError', `${name}() takes no arguments (${args.length + kwargs.size} given)`);
  }
}

/** Python's `datetime.datetime`; `offsetMinutes` undefined for a naive one. */
export class PyDateTime extends PyDate {
  override readonly typeName: string = 'datetime';
  constructor(
    year: number,
    month: number,
    day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly offsetMinutes?: number,
  ) {
    super(year, month, day);
  }
  protected offsetText(): string {
    if (this.offsetMinutes === undefined) return '';
    const sign = this.offsetMinutes < 0 ? '-' : '+';
    const m = Math.abs(this.offsetMinutes);
    return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
  }
  private isoTime(): string {
    const frac = this.microsecond ? `.${pad(this.microsecond, 6)}` : '';
    return `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${frac}${this.offsetText()}`;
  }
  override isoformat(): string {
    return `${super.isoformat()}T${this.isoTime()}`;
  }
  override str(): string {
    return `${super.isoformat()} ${this.isoTime()}`;
  }
  override repr(): string {
    const parts = [this.year, this.month, this.day, this.hour, this.minute];
    if (this.second || this.microsecond) parts.push(this.second);
    if (this.microsecond) parts.push(this.microsecond);
    let tz = '';
    if (this.offsetMinutes !== undefined) {
      if (this.offsetMinutes === 0) tz = ', tzinfo=datetime.timezone.utc';
      else {
        // timedelta normalises to days and non-negative seconds: -1h is days=-1, seconds=82800.
        const total = this.offsetMinutes * 60;
        const days = Math.floor(total / 86400);
        const seconds = total - days * 86400;
        const delta = days ? `days=${days}, seconds=${seconds}` : `seconds=${seconds}`;
        tz = `, tzinfo=datetime.timezone(datetime.timedelta(${delta}))`;
      }
    }
    return `datetime.datetime(${parts.join(', ')}${tz})`;
  }
  /**
   * `datetime - datetime` (both naive or both aware) is a timedelta; `datetime ± timedelta`
   * moves the wall clock and keeps the offset.
   */
  override arith(op: string, other: PyValue, reflected: boolean): PyValue | undefined {
    if (other instanceof PyTimeDelta && (op === '+' || (op === '-' && !reflected))) {
      const local =
        BigInt(this.dayNumber()) * US_PER_DAY +
        BigInt((this.hour * 3600 + this.minute * 60 + this.second) * 1_000_000 + this.microsecond) +
        (op === '+' ? other.us : -other.us);
      const days = floorDivBig(local, US_PER_DAY);
      const date = dateFromDayNumber(Number(days));
      const t = local - days * US_PER_DAY;
      const secs = Number(t / 1_000_000n);
      return new PyDateTime(
        date.year,
        date.month,
        date.day,
        Math.floor(secs / 3600),
        Math.floor(secs / 60) % 60,
        secs % 60,
        Number(t % 1_000_000n),
        this.offsetMinutes,
      );
    }
    if (op === '-' && !reflected && other instanceof PyDateTime) {
      if ((this.offsetMinutes === undefined) !== (other.offsetMinutes === undefined)) {
        throw new PyException('TypeError', "can't subtract offset-naive and offset-aware datetimes");
      }
      return new PyTimeDelta(this.instant() - other.instant());
    }
    return undefined;
  }
  /** Microseconds since the epoch, in UTC for an aware datetime. */
  private instant(): bigint {
    const minutes =
      BigInt(this.dayNumber()) * 1440n + BigInt(this.hour * 60 + this.minute - (this.offsetMinutes ?? 0));
    return (minutes * 60n + BigInt(this.second)) * 1_000_000n + BigInt(this.microsecond);
  }
  /** Python: a naive and an aware datetime are never equal and do not order. */
  private comparable(other: PyValue): other is PyDateTime {
    return (
      other instanceof PyDateTime &&
      (this.offsetMinutes === undefined) === (other.offsetMinutes === undefined)
    );
  }
  override equals(other: PyValue): boolean | undefined {
    if (!(other instanceof PyDate)) return undefined;
    return this.comparable(other) && this.instant() === other.instant();
  }
  override compareTo(other: PyValue): number | undefined {
    if (!this.comparable(other)) return undefined;
    const a = this.instant();
    const b = other.instant();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  protected override epochSeconds(): bigint {
    return super.epochSeconds() + BigInt(this.hour * 3600 + this.minute * 60 + this.second);
  }
  /** `str(tzinfo)`: `UTC`, `UTC+02:00`; undefined for a naive datetime. */
  private tzName(): string | undefined {
    if (this.offsetMinutes === undefined) return undefined;
    return this.offsetMinutes === 0 ? 'UTC' : `UTC${this.offsetText()}`;
  }
  protected override directive(d: string): string | undefined {
    switch (d) {
      case 'H':
        return pad(this.hour);
      case 'M':
        return pad(this.minute);
      case 'S':
        return pad(this.second);
      case 'I':
        return pad(this.hour % 12 || 12);
      case 'k':
        return String(this.hour).padStart(2, ' ');
      case 'l':
        return String(this.hour % 12 || 12).padStart(2, ' ');
      case 'p':
        return this.hour < 12 ? 'AM' : 'PM';
      case 'f':
        return pad(this.microsecond, 6);
      case 'z':
        return this.offsetText().replace(':', '');
      case 'Z':
        return this.tzName() ?? '';
      default:
        return super.directive(d);
    }
  }
  override getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'tzinfo':
        return this.tzName() ?? null;
      case 'hour':
        return BigInt(this.hour);
      case 'minute':
        return BigInt(this.minute);
      case 'second':
        return BigInt(this.second);
      case 'microsecond':
        return BigInt(this.microsecond);
      case 'date':
        return new PyFunction('date', (args, kwargs) => {
          noArgs('date', args, kwargs);
          return new PyDate(this.year, this.month, this.day);
        });
      case 'timestamp':
        // A naive datetime is local time, UTC on a runner.
        return new PyFunction('timestamp', (args, kwargs) => {
          noArgs('timestamp', args, kwargs);
          const local = this.offsetMinutes === undefined ? 0 : this.offsetMinutes * 60;
          return Number(this.epochSeconds() - BigInt(local)) + this.microsecond / 1e6;
        });
      default:
        return super.getAttr(name);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PyYAML's implicit resolvers (yaml/resolver.py) and YAML 1.2's core schema

const Y11_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const Y11_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const Y11_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const Y11_NULL = /^(?:~|null|Null|NULL|)$/;
const Y11_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/;

const Y12_NULL = /^(?:~|null|Null|NULL|)$/;
const Y12_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const Y12_INT10 = /^[-+]?[0-9]+$/;
const Y12_INT8 = /^0o[0-7]+$/;
const Y12_INT16 = /^0x[0-9a-fA-F]+$/;
const Y12_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const Y12_INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const Y12_NAN = /^\.(?:nan|NaN|NAN)$/;

const TAG = 'tag:yaml.org,2002:';

type Kind = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'value' | 'str';

/** The tag PyYAML's resolver gives a plain scalar. */
function resolve11(text: string): Kind {
  if (Y11_BOOL.test(text)) return 'bool';
  if (Y11_FLOAT.test(text)) return 'float';
  if (Y11_INT.test(text)) return 'int';
  if (text === '<<') return 'merge';
  if (Y11_NULL.test(text)) return 'null';
  if (Y11_TIMESTAMP.test(text)) return 'timestamp';
  if (text === '=') return 'value';
  return 'str';
}

/** What a YAML 1.2 (core schema) reader makes of a plain scalar. */
function read12(text: string): PyValue {
  if (Y12_NULL.test(text)) return null;
  if (Y12_BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (Y12_INT10.test(text)) return BigInt(text);
  if (Y12_INT8.test(text)) return BigInt(text);
  if (Y12_INT16.test(text)) return BigInt(text);
  if (Y12_FLOAT.test(text)) return Number(text);
  if (Y12_INF.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (Y12_NAN.test(text)) return NaN;
  return text;
}

class ConstructError extends Error {}

/** Python's `int(digits, base)` for the digits PyYAML passes (no sign, no underscores). */
function parseInt(digits: string, base: 2 | 8 | 10 | 16): bigint {
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  const s = base === 10 ? digits.trim() : digits;
  if (!valid.test(s)) {
    throw new ConstructError(`invalid literal for int() with base ${base}: ${pyRepr(digits)}`);
  }
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
  if (base === 10) {
    try {
      checkIntStrDigits(s.length);
    } catch (err) {
      throw new ConstructError(err instanceof Error ? err.message : String(err));
    }
  }
  return BigInt(prefix + s);
}

/** Python's `float(text)`. */
function parseFloat(text: string): number {
  const s = text.trim().toLowerCase();
  if (/^[-+]?(?:inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(s)) return NaN;
  if (!/^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(s)) {
    throw new ConstructError(`could not convert string to float: ${pyRepr(text)}`);
  }
  return Number(s);
}

/** SafeConstructor.construct_yaml_int. */
function constructInt(text: string): bigint {
  let value = text.replaceAll('_', '');
  if (value === '') throw new ConstructError('an empty int');
  let sign = 1n;
  if (value[0] === '-') sign = -1n;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  if (value === '0') return 0n;
  if (value.startsWith('0b')) return sign * parseInt(value.slice(2), 2);
  if (value.startsWith('0x')) return sign * parseInt(value.slice(2), 16);
  if (value[0] === '0') return sign * parseInt(value, 8);
  if (value.includes(':')) {
    let result = 0n;
    let base = 1n;
    for (const part of value.split(':').reverse()) {
      result += parseInt(part, 10) * base;
      base *= 60n;
    }
    return sign * result;
  }
  return sign * parseInt(value, 10);
}

/** SafeConstructor.construct_yaml_float. */
function constructFloat(text: string): number {
  let value = text.replaceAll('_', '').toLowerCase();
  if (value === '') throw new ConstructError('an empty float');
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  if (value.includes(':')) {
    let result = 0;
    let base = 1;
    for (const part of value.split(':').reverse()) {
      result += parseFloat(part) * base;
      base *= 60;
    }
    return sign * result;
  }
  return sign * parseFloat(value);
}

/** SafeConstructor.construct_yaml_bool. */
function constructBool(text: string): boolean {
  const v = text.toLowerCase();
  if (v === 'yes' || v === 'true' || v === 'on') return true;
  if (v === 'no' || v === 'false' || v === 'off') return false;
  throw new ConstructError(`${pyRepr(text)} is not a boolean`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** SafeConstructor.construct_yaml_timestamp. */
function constructTimestamp(text: string): PyDate {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) throw new ConstructError(`${pyRepr(text)} is not a timestamp`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12) throw new ConstructError('month must be in 1..12');
  if (day < 1 || day > daysInMonth(year, month)) throw new ConstructError('day is out of range for month');
  if (m[4] === undefined) return new PyDate(year, month, day);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23) throw new ConstructError('hour must be in 0..23');
  if (minute > 59) throw new ConstructError('minute must be in 0..59');
  if (second > 59) throw new ConstructError('second must be in 0..59');
  const microsecond = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let offset: number | undefined;
  if (m[9]) {
    offset = Number(m[10]) * 60 + Number(m[11] ?? 0);
    if (offset >= 24 * 60) throw new ConstructError('the UTC offset must be less than 24 hours');
    if (m[9] === '-') offset = -offset;
  } else if (m[8]) offset = 0;
  return new PyDateTime(year, month, day, hour, minute, second, microsecond, offset);
}

function constructTagged(kind: Kind, text: string): PyValue {
  switch (kind) {
    case 'null':
      return null;
    case 'bool':
      return constructBool(text);
    case 'int':
      return constructInt(text);
    case 'float':
      return constructFloat(text);
    case 'timestamp':
      return constructTimestamp(text);
    case 'str':
      return text;
    case 'merge':
    case 'value':
      throw new ConstructError(`could not determine a constructor for the tag '${TAG}${kind}'`);
  }
}

const SCALAR_TAGS: Record<string, Kind> = {
  [`${TAG}null`]: 'null',
  [`${TAG}bool`]: 'bool',
  [`${TAG}int`]: 'int',
  [`${TAG}float`]: 'float',
  [`${TAG}timestamp`]: 'timestamp',
  [`${TAG}str`]: 'str',
};

function describe(v: PyValue): string {
  // A diagnostic, not Python's output: an int past CPython's 4300-digit str limit is still shown.
  return `${typeof v === 'bigint' ? v.toString() : pyRepr(v)} (${typeName(v)})`;
}

// ---------------------------------------------------------------------------------------------
// The reader

type YNode = Node | null;

class Reader {
  readonly warnings: YamlVersionWarning[] = [];
  private readonly built = new Map<Node, PyValue>();
  private readonly building = new Set<Node>();
  private readonly warned = new Set<Node>();
  private readonly sizes = new Map<Node, number>();

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly maxExpansion: number,
  ) {}

  private lineOf(node: YNode): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }

  fail(message: string, node: YNode): never {
    throw new ValuesYamlError(message, this.file, this.lineOf(node));
  }

  private target(alias: Alias): Node {
    const node = alias.resolve(this.doc);
    if (!node) this.fail(`the alias *${alias.source} has no anchor`, alias);
    return node as Node;
  }

  /** Nodes in the document once aliases are expanded, checked against the limit. */
  expandedSize(node: YNode): number {
    if (node === null) return 1;
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    if (this.building.has(node)) this.fail('a recursive alias (an anchor used inside itself)', node);
    this.building.add(node);
    let size = 1;
    if (isAlias(node)) size = this.expandedSize(this.target(node));
    else if (isMap(node)) {
      for (const pair of (node as YAMLMap<YNode, YNode>).items) {
        size += this.expandedSize(pair.key) + this.expandedSize(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of (node as YAMLSeq<YNode>).items) size += this.expandedSize(item);
    }
    this.building.delete(node);
    if (size > this.maxExpansion) {
      this.fail(
        `the aliases expand to more than ${this.maxExpansion} nodes (an alias bomb?); ` +
          'use fewer or smaller anchors and aliases',
        node,
      );
    }
    this.sizes.set(node, size);
    return size;
  }

  build(node: YNode): PyValue {
    if (node === null) return null;
    if (isAlias(node)) return this.build(this.target(node));
    const done = this.built.get(node);
    if (done !== undefined || this.built.has(node)) return done as PyValue;
    if (this.building.has(node)) this.fail('a recursive alias (an anchor used inside itself)', node);
    this.building.add(node);
    let value: PyValue;
    try {
      value = this.construct(node);
    } catch (err) {
      if (err instanceof ConstructError) this.fail(err.message, node);
      throw err;
    } finally {
      this.building.delete(node);
    }
    this.built.set(node, value);
    return value;
  }

  private construct(node: Node): PyValue {
    const tag = (node as { tag?: string }).tag;
    if (isScalar(node)) return this.scalar(node, tag);
    if (isSeq(node)) {
      if (tag !== undefined && tag !== `${TAG}seq`) this.unsupported(tag, node);
      return (node as YAMLSeq<YNode>).items.map((item) => this.build(item));
    }
    if (isMap(node)) {
      if (tag !== undefined && tag !== `${TAG}map`) this.unsupported(tag, node);
      return this.mapping(node as YAMLMap<YNode, YNode>);
    }
    return this.fail('an unexpected YAML node', node);
  }

  private unsupported(tag: string, node: Node): never {
    const known = ['binary', 'set', 'omap', 'pairs'].map((t) => TAG + t);
    if (known.includes(tag)) {
      this.fail(`the tag !!${tag.slice(TAG.length)} is not supported in values files`, node);
    }
    this.fail(`could not determine a constructor for the tag ${pyRepr(tag)}`, node);
  }

  private scalar(node: Scalar, tag: string | undefined): PyValue {
    const text = String(node.value ?? '');
    // PyYAML resolves a scalar tagged with the bare `!` implicitly, even a quoted one.
    if (tag === '!') return constructTagged(resolve11(text), text);
    if (tag !== undefined) {
      const kind = SCALAR_TAGS[tag];
      if (kind === undefined) return this.unsupported(tag, node);
      return constructTagged(kind, text);
    }
    if (node.type !== 'PLAIN') return text;
    const value = constructTagged(resolve11(text), text);
    this.checkVersions(node, text, value);
    return value;
  }

  private checkVersions(node: Scalar, text: string, value: PyValue): void {
    if (this.warned.has(node)) return;
    this.warned.add(node);
    const other = read12(text);
    const a = describe(value);
    const b = describe(other);
    if (a !== b) this.warnings.push({ line: this.lineOf(node) ?? 0, text, yaml11: a, yaml12: b });
  }

  private isMergeKey(key: YNode): boolean {
    if (!isScalar(key)) return false;
    const tag = (key as { tag?: string }).tag;
    if (tag === `${TAG}merge`) return true;
    return tag === undefined && key.type === 'PLAIN' && key.value === '<<';
  }

  private mappingOf(node: YNode): YAMLMap<YNode, YNode> | undefined {
    const target = node !== null && isAlias(node) ? this.target(node) : node;
    return isMap(target) ? (target as YAMLMap<YNode, YNode>) : undefined;
  }

  /** SafeConstructor.flatten_mapping: merged pairs first, then the mapping's own. */
  private flatten(node: YAMLMap<YNode, YNode>): Pair<YNode, YNode>[] {
    const merge: Pair<YNode, YNode>[] = [];
    const own: Pair<YNode, YNode>[] = [];
    for (const pair of node.items) {
      if (!this.isMergeKey(pair.key)) {
        own.push(pair);
        continue;
      }
      const single = this.mappingOf(pair.value);
      if (single) {
        merge.push(...this.flatten(single));
        continue;
      }
      const seqNode = pair.value !== null && isAlias(pair.value) ? this.target(pair.value) : pair.value;
      if (!isSeq(seqNode)) {
        this.fail('a merge key (<<) needs a mapping or a list of mappings', pair.value ?? pair.key);
      }
      const sub: Pair<YNode, YNode>[][] = [];
      for (const item of (seqNode as YAMLSeq<YNode>).items) {
        const m = this.mappingOf(item);
        if (!m) this.fail('a merge key (<<) list may only hold mappings', item);
        sub.push(this.flatten(m));
      }
      for (const pairs of sub.reverse()) merge.push(...pairs);
    }
    return [...merge, ...own];
  }

  private mapping(node: YAMLMap<YNode, YNode>): PyDict {
    const map: PyDict = new Map();
    for (const pair of this.flatten(node)) {
      let key: PyValue;
      if (
        isScalar(pair.key) &&
        (pair.key as { tag?: string }).tag === undefined &&
        pair.key.type === 'PLAIN'
      ) {
        // A key `=` is the str '=' (flatten_mapping retags it); everything else resolves as usual.
        key = pair.key.value === '=' ? '=' : this.build(pair.key);
      } else key = this.build(pair.key);
      if (Array.isArray(key) || key instanceof Map) {
        this.fail(`found unhashable key (a ${typeName(key)})`, pair.key);
      }
      try {
        dictSet(map, key, this.build(pair.value));
      } catch (err) {
        if (err instanceof PyException) this.fail(err.message, pair.key);
        throw err;
      }
    }
    return map;
  }
}

/**
 * The offset of the first tab PyYAML's scanner rejects: PyYAML accepts tabs only inside quoted
 * scalars, block scalar content and comments ("found character '\\t' that cannot start any
 * token" anywhere else, including inside plain scalars and as indentation or separation).
 */
function rejectedTab(text: string): number | undefined {
  if (!text.includes('\t')) return undefined;
  // The lexer's control tokens (document start, flow end, scalar marker) are not source text.
  const control = new Set(['\x02', '\x18', CST.SCALAR]);
  let offset = 0;
  let afterHeader = false;
  let inContent = false;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (token === CST.SCALAR) {
      // After a block scalar header, the token following the scalar marker is its content.
      inContent = afterHeader;
      afterHeader = false;
    } else if (inContent) {
      inContent = false;
    } else {
      if (type === 'block-scalar-header') afterHeader = true;
      const allowed =
        type === 'comment' || type === 'double-quoted-scalar' || type === 'single-quoted-scalar';
      if (!allowed && token.includes('\t')) return offset + token.indexOf('\t');
    }
    if (!control.has(token)) offset += token.length;
  }
  return undefined;
}

/**
 * Reads a values file as PyYAML's `safe_load` does. `file` names it in errors. Returns the value
 * (a dict for a mapping, `null` for an empty document) and one warning per plain scalar whose
 * YAML 1.2 reading differs. Throws `ValuesYamlError` for invalid YAML, more than one document,
 * unsupported tags and alias bombs.
 */
export function readValuesYaml(text: string, file: string, options: ReadValuesOptions = {}): ValuesYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'failsafe',
    merge: false,
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: false,
  });
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new ValuesYamlError(`invalid YAML: ${first.message.split('\n')[0] ?? first.message}`, file, line);
  }
  // YAML 1.1 (PyYAML) reads NEL, LS and PS as line breaks, YAML 1.2 parsers as ordinary
  // characters: refuse them rather than read a value PyYAML would read differently.
  const odd = /[\u0085\u2028\u2029]/.exec(text);
  if (odd) {
    const code = `U+${(odd[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new ValuesYamlError(
      `a raw ${code} character, which YAML 1.1 reads as a line break; write it as an escape ` +
        `(\\u${code.slice(2).toLowerCase()}) in a double-quoted string`,
      file,
      lines.linePos(odd.index).line,
    );
  }
  const tab = rejectedTab(text);
  if (tab !== undefined) {
    throw new ValuesYamlError(
      'a tab character outside a quoted string, block scalar or comment (PyYAML refuses it); use spaces',
      file,
      lines.linePos(tab).line,
    );
  }
  // PyYAML refuses an anchor defined twice (YAML 1.2 parsers let the second one win).
  const anchors = new Set<string>();
  let duplicate: { name: string; node: Node } | undefined;
  visit(doc, (_key, node) => {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (!anchor || isAlias(node)) return undefined;
    if (anchors.has(anchor)) {
      duplicate = { name: anchor, node: node as Node };
      return visit.BREAK;
    }
    anchors.add(anchor);
    return undefined;
  });
  if (duplicate) {
    const start = duplicate.node.range?.[0];
    throw new ValuesYamlError(
      `the anchor &${duplicate.name} is defined twice (PyYAML refuses that); rename one`,
      file,
      start === undefined ? undefined : lines.linePos(start).line,
    );
  }
  const reader = new Reader(doc, file, lines, options.maxAliasExpansion ?? 100_000);
  const root = doc.contents as YNode;
  reader.expandedSize(root);
  const value = reader.build(root);
  return { value, warnings: reader.warnings };
}
