import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type * as NunjucksModule from 'nunjucks';
import { ActionError } from '@slipway/action-kit';
import { BUILTIN_SOURCES } from './context.ts';
import type { TemplateFile } from './templates.ts';

/** A rendered manifest file. */
export interface RenderedFile {
  /** Name in the release (`deployment.yaml`, `base/service.yaml`). */
  name: string;
  /** Workspace-relative path of the template it came from. */
  source: string;
  /** The template's text, to map lines of the rendered file back to it. */
  templateText: string;
  content: string;
}

/**
 * A template that does not render: a syntax error or an undefined variable. Carries the file and
 * line so the runner can annotate the template itself.
 */
export class TemplateError extends ActionError {
  constructor(
    message: string,
    /** Workspace-relative path of the template at fault (an included one, when it is there). */
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

type Nunjucks = typeof NunjucksModule;

let loaded: Promise<Nunjucks> | undefined;

/** nunjucks, loaded on first use (it is not needed to validate inputs) with Jinja compatibility on. */
function loadNunjucks(): Promise<Nunjucks> {
  loaded ??= import('nunjucks').then((m) => {
    const nunjucks = (m as unknown as { default?: Nunjucks }).default ?? (m as Nunjucks);
    // Python-style calls teams bring from Jinja2/Ansible: dict.items(), list slices, True/False.
    nunjucks.installJinjaCompat();
    return nunjucks;
  });
  return loaded;
}

/**
 * Renders each template with Jinja semantics (`trim_blocks`, `lstrip_blocks`, no autoescape) and
 * fails on any undefined value a template prints, naming the variable, file and line. Includes
 * and imports resolve from the workspace. Same inputs, same bytes: nothing here reads the clock
 * or iterates in an unstable order.
 */
export async function renderTemplates(
  templates: TemplateFile[],
  context: Record<string, unknown>,
  workspace: string,
): Promise<RenderedFile[]> {
  const nunjucks = await loadNunjucks();
  const { stringify } = await import('yaml');
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(workspace, { noCache: true }), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter('tojson', (value: unknown, indent?: number) => JSON.stringify(value, null, indent));
  env.addFilter('to_yaml', (value: unknown) => stringify(value, { lineWidth: 0 }).trimEnd());
  env.addFilter('b64encode', (value: unknown) => Buffer.from(String(value), 'utf8').toString('base64'));
  env.addFilter('b64decode', (value: unknown) => Buffer.from(String(value), 'base64').toString('utf8'));

  const rendered: RenderedFile[] = [];
  for (const template of templates) {
    const text = readFileSync(template.path, 'utf8');
    let content: string;
    try {
      const compiled = new nunjucks.Template(text, env, template.source, true);
      content = compiled.render(context);
    } catch (err) {
      throw explainTemplateError(nunjucks, err, template, text, workspace);
    }
    rendered.push({
      name: template.output,
      source: template.source,
      templateText: text,
      content: content.endsWith('\n') || content === '' ? content : `${content}\n`,
    });
  }
  return rendered;
}

// nunjucks prefixes a message with "(path) [Line n, Column m]\n" per template on the way out of
// includes; the innermost frame with a line is where the error is.
const FRAME = /\(([^\n]*?)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\n/g;

function explainTemplateError(
  nunjucks: Nunjucks,
  err: unknown,
  template: TemplateFile,
  text: string,
  workspace: string,
): TemplateError {
  const raw = err instanceof Error ? err.message : String(err);
  const frames = [...raw.matchAll(FRAME)];
  const last = frames[frames.length - 1];
  const located = [...frames].reverse().find((f) => f[2]) ?? last;
  const path = located?.[1] && located[1] !== 'unknown path' ? located[1] : template.source;
  const file = isAbsolute(path) ? relative(workspace, path).split(sep).join('/') : path;
  let line = located?.[2] ? Number(located[2]) : undefined;
  const column = located?.[3] ? Number(located[3]) : undefined;
  let reason = (last ? raw.slice((last.index ?? 0) + last[0].length) : raw)
    .trim()
    .replace(/^(Template render error|Error): /, '');
  const sourceOf = (): string => {
    if (file === template.source) return text;
    try {
      return readFileSync(resolve(workspace, file), 'utf8');
    } catch {
      return '';
    }
  };
  if (/attempted to output null or undefined value/.test(reason) && line !== undefined) {
    const expression = outputExpressionAt(nunjucks, sourceOf(), line, column);
    if (expression) {
      const root = expression.split(/[.[ |(]/)[0] ?? expression;
      const hint =
        root in BUILTIN_SOURCES
          ? `; ${root} comes from ${BUILTIN_SOURCES[root as keyof typeof BUILTIN_SOURCES]}, which was not given`
          : "; define it in values or values-files, or give a fallback with | default('…')";
      return new TemplateError(
        `${file} line ${line}: undefined variable ${expression}${hint}`,
        file,
        line,
        column,
      );
    }
    reason = 'a printed value is undefined or null';
  }
  if (line === undefined && /end of file/.test(reason)) {
    // An unclosed block is only noticed at the end: point there.
    line = sourceOf().replace(/\n$/, '').split('\n').length;
  }
  const where = `${file}${line ? ` line ${line}` : ''}`;
  const kind = /^(expected|unexpected|unknown block tag|parse\w*:|unable to find|invalid)/i.test(reason)
    ? 'template syntax error'
    : 'template error';
  return new TemplateError(`${where}: ${kind}: ${reason.split('\n')[0]}`, file, line, column);
}

interface NodeLike {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  target?: NodeLike;
  val?: NodeLike;
  name?: NodeLike;
  args?: { children: NodeLike[] };
  children?: NodeLike[];
  findAll?: (type: unknown) => NodeLike[];
}

/** The text of the `{{ … }}` expression that starts at a line and column (1-based), if found. */
function outputExpressionAt(
  nunjucks: Nunjucks,
  source: string,
  line: number,
  column?: number,
): string | undefined {
  try {
    const { parser, nodes } = nunjucks as unknown as {
      parser: { parse(src: string, ext: unknown[], opts: object): NodeLike };
      nodes: { Output: unknown };
    };
    const root = parser.parse(source, [], { trimBlocks: true, lstripBlocks: true });
    const outputs = root.findAll?.(nodes.Output) ?? [];
    const match = outputs.find(
      (o) => o.lineno + 1 === line && (column === undefined || o.colno + 1 === column),
    );
    const expr = match?.children?.find((c) => c.typename !== 'TemplateData');
    return expr ? expressionText(expr) : undefined;
  } catch {
    return undefined;
  }
}

function expressionText(node: NodeLike): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return JSON.stringify(node.value);
    case 'LookupVal': {
      const target = node.target ? expressionText(node.target) : '?';
      const val = node.val;
      if (val?.typename === 'Literal' && typeof val.value === 'string' && /^[A-Za-z_]\w*$/.test(val.value)) {
        return `${target}.${val.value}`;
      }
      return `${target}[${val ? expressionText(val) : '?'}]`;
    }
    case 'Filter': {
      const [input] = node.args?.children ?? [];
      return `${input ? expressionText(input) : '?'} | ${node.name ? expressionText(node.name) : '?'}`;
    }
    case 'FunCall':
      return `${node.name ? expressionText(node.name) : '?'}(…)`;
    default:
      return `(${node.typename.toLowerCase()} expression)`;
  }
}
