import { readFileSync } from 'node:fs';
import { InputError, quote, resolveInWorkspace } from '@slipway/action-kit';

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
 * Reads the `values-files` in order, later files overriding earlier ones. A missing file, one
 * outside the workspace (unless `allowOutside`), or one that is not a YAML mapping is an
 * InputError naming the file.
 */
export async function loadValuesFiles(
  files: string[],
  workspace: string,
  opts: { allowOutside?: boolean } = {},
): Promise<Values> {
  let merged: Values = {};
  for (const file of files) {
    const path = resolveInWorkspace('values-files', file, {
      workspace,
      allowOutside: opts.allowOutside ?? false,
    });
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
    let parsed: unknown;
    try {
      // maxAliasCount stops an alias bomb (a billion laughs) before it expands.
      parsed = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      throw new InputError(
        'values-files',
        `${quote(file)} cannot be read as values: ${(err as Error).message.split('\n')[0]}; use plain YAML without deeply nested aliases`,
      );
    }
    if (parsed === null || parsed === undefined) continue;
    if (!isMapping(parsed)) {
      throw new InputError('values-files', `${quote(file)} must hold a mapping such as "replicas: 3"`);
    }
    merged = mergeValues(merged, parsed);
  }
  return merged;
}
