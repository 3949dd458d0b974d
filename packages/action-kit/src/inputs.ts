import * as core from '@actions/core';
import { InputError } from './errors.ts';

/** Where raw input values come from: the runner's INPUT_* variables, or a map in unit tests. */
export interface InputSource {
  /** The raw value; undefined or '' means the input was not given. */
  get(name: string): string | undefined;
}

/**
 * The runner's inputs: `core.getInput` (`INPUT_<NAME>`, the name upper-cased and spaces turned
 * into `_`); with another environment than the process's, the same names read from it.
 */
export function envInputs(env: NodeJS.ProcessEnv = process.env): InputSource {
  if (env === process.env) return { get: (name) => core.getInput(name, { trimWhitespace: false }) };
  return { get: (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] };
}

/** Inputs from a plain map, for unit tests. */
export function mapInputs(values: Record<string, string>): InputSource {
  return { get: (name) => values[name] };
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Shows a value inside an error message: quoted, and cut so a pasted file cannot flood the log. */
export function quote(value: string): string {
  const oneLine = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return JSON.stringify(oneLine);
}

/**
 * Typed, validated reading of action inputs. Every method names the input and the accepted form
 * in its InputError, so a workflow author can fix the step from the message alone.
 */
export class Inputs {
  constructor(private readonly source: InputSource = envInputs()) {}

  /** A trimmed string; `required` turns an empty value into an InputError. */
  string(name: string, opts: { required?: boolean; default?: string } = {}): string {
    const value = this.optional(name);
    if (value !== undefined) return value;
    if (opts.required) throw new InputError(name, 'is required and was not given');
    return opts.default ?? '';
  }

  /** A trimmed string, or undefined when empty. */
  optional(name: string): string | undefined {
    const value = this.source.get(name)?.trim();
    return value ? value : undefined;
  }

  /** true/false (also yes/no, on/off, 1/0), case-insensitive. */
  boolean(name: string, def: boolean): boolean {
    const value = this.optional(name)?.toLowerCase();
    if (value === undefined) return def;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    throw new InputError(name, `${quote(value)} is not a boolean; use true or false`);
  }

  /** A list separated by newlines or commas; items trimmed, empty items dropped. */
  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(/[\n,]/)
      .map((item) => item.trim())
      .filter(Boolean);
  }

  /** One of `allowed` (case-insensitive), returned in its canonical spelling. */
  enum<T extends string>(name: string, allowed: readonly T[], def?: T): T {
    const value = this.optional(name);
    if (value === undefined) {
      if (def !== undefined) return def;
      throw new InputError(name, `is required; use one of ${allowed.join(', ')}`);
    }
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      throw new InputError(name, `${quote(value)} is not allowed; use one of ${allowed.join(', ')}`);
    }
    return match;
  }

  /** A whole number within [min, max]; undefined when empty and no default. */
  integer(name: string, opts: { default?: number; min?: number; max?: number } = {}): number | undefined {
    const value = this.optional(name);
    if (value === undefined) return opts.default;
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` from ${opts.min} to ${opts.max}`
        : opts.min !== undefined
          ? ` of at least ${opts.min}`
          : opts.max !== undefined
            ? ` of at most ${opts.max}`
            : '';
    const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
    if (
      !Number.isSafeInteger(n) ||
      (opts.min !== undefined && n < opts.min) ||
      (opts.max !== undefined && n > opts.max)
    ) {
      throw new InputError(name, `${quote(value)} is not valid; use a whole number${range}`);
    }
    return n;
  }

  /**
   * A duration in milliseconds: `250ms`, `90s`, `5m`, `1h30m`; a bare number means seconds.
   * Undefined when empty and no default.
   */
  duration(name: string, def?: string): number | undefined {
    const value = this.optional(name) ?? def;
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) {
      throw new InputError(name, `${quote(value)} is not a duration; use e.g. 30s, 5m, 1h30m or 250ms`);
    }
    return ms;
  }

  /**
   * A mapping written as YAML or JSON; `{}` when empty. Async because the YAML parser is loaded
   * only when a value is not plain JSON, keeping it off the start path.
   */
  async map(name: string): Promise<Record<string, unknown>> {
    const value = this.optional(name);
    if (value === undefined) return {};
    let parsed: unknown;
    try {
      if (value.startsWith('{')) {
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = await parseYaml(value);
        }
      } else {
        parsed = await parseYaml(value);
      }
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      throw new InputError(name, `is not valid YAML or JSON (${reason}); use a mapping such as "key: value"`);
    }
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InputError(
        name,
        `must be a mapping of names to values, such as "key: value"; got ${quote(value)}`,
      );
    }
    return parsed as Record<string, unknown>;
  }
}

async function parseYaml(text: string): Promise<unknown> {
  const { parse } = await import('yaml');
  return parse(text, { prettyErrors: true });
}

/** Parses `1h30m`, `90s`, `250ms`, or a bare number of seconds, into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] as string] ?? 0), 0));
}
