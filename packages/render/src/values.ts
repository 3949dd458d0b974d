import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, quote } from '@slipway/action-kit';

/** A mapping of template values. */
export type Values = Record<string, unknown>;

function isMapping(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` into `base` the way Helm merges values files: mappings merge key by key,
 * everything else (lists included) is replaced. Neither argument is modified.
 */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isMapping(current) && isMapping(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/**
 * Reads the `values-files` in order, later files overriding earlier ones. A missing file or one
 * that is not a YAML mapping is an InputError naming the file.
 */
export async function loadValuesFiles(files: string[], workspace: string): Promise<Values> {
  let merged: Values = {};
  for (const file of files) {
    const path = resolve(workspace, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
      throw new InputError('values-files', `${quote(file)} ${why} (looked for ${path})`);
    }
    const { parseDocument } = await import('yaml');
    const doc = parseDocument(text, { prettyErrors: true });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      const where = pos ? ` line ${pos.line}, column ${pos.col}` : '';
      const reason = first.message.split('\n')[0];
      throw new InputError('values-files', `${quote(file)}${where} is not valid YAML: ${reason}`);
    }
    const parsed: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (parsed === null || parsed === undefined) continue;
    if (!isMapping(parsed)) {
      throw new InputError('values-files', `${quote(file)} must hold a mapping such as "replicas: 3"`);
    }
    merged = mergeValues(merged, parsed);
  }
  return merged;
}
