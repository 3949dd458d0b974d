/** An annotation the runner would show (`::error file=…,line=…::message`). */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
  title?: string;
}

// Escaping rules of actions/runner ActionCommand: data escapes %, CR, LF; properties also : and ,.
function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

/** Parses `::error|warning|notice [props]::message` lines, as the runner does, from printed output. */
export function parseAnnotations(output: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = line.match(/^::(error|warning|notice)(?:\s+([^:]*))?::(.*)$/);
    if (!m) continue;
    const annotation: Annotation = { level: m[1] as Annotation['level'], message: unescapeData(m[3] ?? '') };
    for (const pair of (m[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const key = pair.slice(0, eq).trim();
      const value = unescapeProperty(pair.slice(eq + 1));
      if (key === 'file' || key === 'title') annotation[key] = value;
      else if (key === 'line' || key === 'endLine' || key === 'col' || key === 'endColumn')
        annotation[key] = Number(value);
    }
    out.push(annotation);
  }
  return out;
}

/** Values registered with `::add-mask::` in printed output. */
export function parseMasks(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = line.match(/^::add-mask::(.*)$/);
    if (m?.[1]) out.push(unescapeData(m[1]));
  }
  return out;
}

/**
 * Parses a GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE file as the runner does: `name=value` lines
 * and `name<<DELIMITER` … `DELIMITER` blocks. Throws on what the runner would reject.
 */
export function parseKeyValueFile(content: string, what: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const eq = line.indexOf('=');
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!delimiter) throw new Error(`${what}: invalid format '${line}' (empty delimiter)`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i] ?? '');
      }
      if (!closed) throw new Error(`${what}: matching delimiter '${delimiter}' not found for '${name}'`);
      result[name] = value.join('\n');
    } else if (eq > 0) {
      result[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`${what}: invalid format '${line}'`);
    }
  }
  return result;
}
