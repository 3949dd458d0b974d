import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ActionError } from '@slipway/action-kit';
import type { Limits, PyValue, TemplateError as EngineError, TemplateLoader } from '@slipway/jinja';
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
 * A template that does not render: a syntax error, an undefined variable, a Python error Jinja2
 * would raise too, a refused attribute or an exceeded budget. Carries the file and line so the
 * runner can annotate the template itself.
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

/** Where templates come from and how much rendering may cost. */
export interface RenderOptions {
  /**
   * The folder `include`, `import` and `extends` names are relative to, as with Jinja2's
   * `FileSystemLoader(root)`. Templates can read nothing outside it (checked by real path, so a
   * symlink cannot lead out).
   */
  root: string;
  limits?: Partial<Limits>;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Whether `path` is `root` or inside it; both are real paths. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * A loader over one folder with Jinja2's name rules (`/`-separated, no `..` segment) that refuses
 * anything whose real path is outside the folder.
 */
function folderLoader(root: string): TemplateLoader & { pathOf(name: string): string | undefined } {
  const realRoot = realpathSync(root);
  const pathOf = (name: string): string | undefined => {
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\\') || p.includes('\0'))) {
      return undefined;
    }
    let real: string;
    try {
      real = realpathSync(join(realRoot, ...parts));
    } catch {
      return undefined;
    }
    return inside(realRoot, real) && statSync(real).isFile() ? real : undefined;
  };
  return {
    pathOf,
    load(name) {
      const path = pathOf(name);
      return path === undefined ? undefined : readFileSync(path, 'utf8');
    },
  };
}

/**
 * Renders each template as Python's Jinja2 3.1 renders it with `trim_blocks`, `lstrip_blocks`,
 * `StrictUndefined`, `keep_trailing_newline` and no autoescaping (the conformance suite in
 * test/conformance proves it case by case), in Slipway's sandbox with render budgets. Same inputs,
 * same bytes: nothing here reads the clock or iterates in an unstable order.
 */
export async function renderTemplates(
  templates: TemplateFile[],
  context: ReadonlyMap<string, PyValue>,
  workspace: string,
  options: RenderOptions,
): Promise<RenderedFile[]> {
  const jinja = await import('@slipway/jinja');
  const loader = folderLoader(options.root);
  const env = new jinja.Environment({ loader, limits: options.limits });
  const realRoot = realpathSync(options.root);
  const fileOf = (name: string | undefined, fallback: TemplateFile): string => {
    if (name === undefined) return fallback.source;
    const path = loader.pathOf(name) ?? join(realRoot, name);
    return toPosix(relative(realpathSync(workspace), path));
  };

  const rendered: RenderedFile[] = [];
  for (const template of templates) {
    const text = readFileSync(template.path, 'utf8');
    const name = toPosix(relative(realRoot, realpathSync(template.path)));
    let content: string;
    try {
      content = env.renderString(text, context, name);
    } catch (err) {
      if (!(err instanceof jinja.TemplateError)) throw err;
      throw explainTemplateError(err, fileOf(err.template, template), (file) =>
        file === template.source ? text : safeRead(loader, err.template),
      );
    }
    rendered.push({ name: template.output, source: template.source, templateText: text, content });
  }
  return rendered;
}

function safeRead(loader: TemplateLoader, name: string | undefined): string {
  try {
    return (name !== undefined && loader.load(name)) || '';
  } catch {
    return '';
  }
}

/** What a template error says, in the action's words: file, line, the kind and Jinja2's reason. */
function explainTemplateError(
  err: EngineError,
  file: string,
  sourceOf: (file: string) => string,
): TemplateError {
  const line = err.line;
  const where = `${file}${line ? ` line ${line}` : ''}`;
  switch (err.name) {
    case 'UndefinedError': {
      const expression = undefinedExpression(
        err.message,
        line ? sourceOf(file).split('\n')[line - 1] : undefined,
      );
      const root = expression?.split(/[.[]/)[0];
      const hint =
        root && root in BUILTIN_SOURCES
          ? `${root} comes from ${BUILTIN_SOURCES[root as keyof typeof BUILTIN_SOURCES]}, which was not given`
          : "define it in values or values-files, or give a fallback with | default('…')";
      const what = expression ? `undefined variable ${expression}` : `undefined value: ${err.message}`;
      return new TemplateError(`${where}: ${what}; ${hint}`, file, line);
    }
    case 'TemplateSyntaxError':
      return new TemplateError(`${where}: template syntax error: ${err.message}`, file, line);
    case 'TemplateNotFound':
      return new TemplateError(
        `${where}: template not found: ${err.message} (names are relative to the template-root input and stay inside it)`,
        file,
        line,
      );
    case 'SecurityError':
      return new TemplateError(`${where}: refused by the template sandbox: ${err.message}`, file, line);
    case 'LimitError':
      return new TemplateError(`${where}: rendering budget exceeded: ${err.message}`, file, line);
    default:
      return new TemplateError(`${where}: template error: ${String(err)}`, file, line);
  }
}

/**
 * The expression behind an UndefinedError, found on the template line: `typo` for "'typo' is
 * undefined", `values.image.tagg` for "'dict object' has no attribute 'tagg'". Jinja2's message
 * names only the last part; the whole path is what a user searches for.
 */
function undefinedExpression(message: string, sourceLine: string | undefined): string | undefined {
  const variable = /^'([A-Za-z_]\w*)' is undefined$/.exec(message)?.[1];
  const attribute = /has no (?:attribute|element) '?([^']+)'?$/.exec(message)?.[1];
  const last = variable ?? attribute;
  if (!last || !sourceLine) return variable;
  const name = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const path = '(?:\\.[A-Za-z_]\\w*|\\[[^\\]]*\\])*';
  // An undefined variable: the attribute path used on it (`nope.deeper`); a missing attribute:
  // the path that leads to it (`values.image.tagg`).
  const pattern = variable
    ? new RegExp(`(?<![\\w.])${name}${path}`)
    : new RegExp(`[A-Za-z_]\\w*${path}(?:\\.${name}\\b|\\[\\s*['"]${name}['"]\\s*\\])`);
  return pattern.exec(sourceLine)?.[0] ?? last;
}
