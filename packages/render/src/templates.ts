import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { quote } from '@slipway/action-kit';
import { RenderParameterError } from './errors.ts';

/** A template file and the name of the manifest it renders to. */
export interface TemplateFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the workspace with `/` separators: what annotations and messages show. */
  source: string;
  /** Name of the rendered file: relative to the templates' common folder, template suffix removed. */
  output: string;
}

/** Suffixes that mark a file as a template; the rendered file drops them. */
const TEMPLATE_SUFFIX = /\.(j2|jinja2?|njk|nunjucks|tpl|tmpl|template)$/i;
const MANIFEST_SUFFIX = /\.(ya?ml|json)$/i;

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * Resolves the `templates` input: files or globs relative to the workspace. Every entry must
 * match at least one file. Output names are unique and sorted, so rendering is deterministic.
 */
export async function resolveTemplates(
  patterns: string[],
  workspace: string,
  opts: { allowOutside?: boolean } = {},
): Promise<TemplateFile[]> {
  if (patterns.length === 0) {
    throw new RenderParameterError(
      'templates',
      'is required; list template files or globs such as deploy/*.yaml.j2',
    );
  }
  const { glob, isDynamicPattern } = await import('tinyglobby');
  const found = new Set<string>();
  for (const pattern of patterns) {
    if (isDynamicPattern(pattern)) {
      const matches = await glob(pattern, {
        cwd: workspace,
        onlyFiles: true,
        absolute: true,
        expandDirectories: false,
      });
      if (matches.length === 0) {
        throw new RenderParameterError('templates', `${quote(pattern)} matches no file under ${workspace}`);
      }
      for (const m of matches) found.add(resolve(m));
      continue;
    }
    const path = resolve(workspace, pattern);
    if (!existsSync(path))
      throw new RenderParameterError('templates', `${quote(pattern)} does not exist (looked for ${path})`);
    if (!statSync(path).isFile()) {
      throw new RenderParameterError(
        'templates',
        `${quote(pattern)} is a folder; use a glob such as ${pattern}/*.yaml`,
      );
    }
    found.add(path);
  }
  const realWorkspace = realpathSync(workspace);
  for (const path of opts.allowOutside ? [] : found) {
    if (!within(realWorkspace, realpathSync(path))) {
      throw new RenderParameterError(
        'templates',
        `${quote(toPosix(relative(workspace, path)))} is outside the workspace ${workspace} (symlinks are followed); use files of the repository, or set allow-outside-workspace: true`,
      );
    }
  }
  const paths = [...found].sort();
  const base = commonFolder(paths);
  const byOutput = new Map<string, TemplateFile>();
  for (const path of paths) {
    let output = toPosix(relative(base, path)).replace(TEMPLATE_SUFFIX, '');
    if (!MANIFEST_SUFFIX.test(output)) output += '.yaml';
    const source = toPosix(relative(workspace, path));
    const clash = byOutput.get(output);
    if (clash) {
      throw new RenderParameterError(
        'templates',
        `${quote(clash.source)} and ${quote(source)} would both render to ${output}; list only one of them`,
      );
    }
    byOutput.set(output, { path, source, output });
  }
  return [...byOutput.values()].sort((a, b) => (a.output < b.output ? -1 : a.output > b.output ? 1 : 0));
}

/** Whether the real path `path` is `root` or inside it. */
function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The folder include, import and extends names are relative to (Jinja2's `FileSystemLoader`
 * search path): the `template-root` input, or else the deepest folder holding every template. It
 * must be inside the workspace and hold every template.
 */
export function resolveTemplateRoot(
  input: string | undefined,
  templates: TemplateFile[],
  workspace: string,
  opts: { allowOutside?: boolean } = {},
): string {
  const root = input ? resolve(workspace, input) : commonFolder(templates.map((t) => t.path));
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new RenderParameterError('root', `${quote(input ?? root)} is not a folder of the workspace`);
  }
  const realRoot = realpathSync(root);
  if (!opts.allowOutside && !within(realpathSync(workspace), realRoot)) {
    throw new RenderParameterError(
      'root',
      `${quote(input ?? root)} is outside the workspace ${workspace} (symlinks are followed); use a folder of the repository such as deploy, or set allow-outside-workspace: true`,
    );
  }
  const stray = templates.find((t) => !within(realRoot, realpathSync(t.path)));
  if (stray) {
    throw new RenderParameterError(
      'root',
      `${quote(stray.source)} is not inside ${quote(toPosix(relative(workspace, root)) || '.')}; set template-root to a folder holding every template`,
    );
  }
  return root;
}

/** The deepest folder holding every path. */
function commonFolder(paths: string[]): string {
  const dirs = paths.map((p) => dirname(p).split(sep));
  const first = dirs[0] ?? [];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}
