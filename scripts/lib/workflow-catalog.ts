/**
 * What the linter knows about Slipway itself: the inputs of every action.yml and the interface of
 * every reusable workflow (inputs, secrets, the permissions its jobs request), so calls made from
 * workflows and documentation examples can be checked against the real definitions.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** An input of an action or a reusable workflow. */
export interface InputSpec {
  required: boolean;
  hasDefault: boolean;
  /** workflow_call input type (string | boolean | number); undefined for actions. */
  type?: string;
}

/** An action.yml: its inputs. */
export interface ActionSpec {
  /** Repository-relative path of the action.yml. */
  file: string;
  inputs: Map<string, InputSpec>;
  /** The file does not parse (reported when it is linted itself); its inputs are unknown. */
  unreadable?: boolean;
}

/** Permission level of one scope. */
export type Level = 'none' | 'read' | 'write';

/** A `permissions:` value: `read-all` / `write-all` / a mapping (unlisted scopes are none). */
export interface Permissions {
  all: Level;
  scopes: Record<string, Level>;
}

/** A reusable workflow: what a caller may pass and which permissions its jobs ask for. */
export interface WorkflowSpec {
  file: string;
  callable: boolean;
  inputs: Map<string, InputSpec>;
  secrets: Map<string, { required: boolean }>;
  /** Permissions each job requests (its own, else the workflow's); undefined = inherits the caller's. */
  jobPermissions: Map<string, Permissions | undefined>;
}

/** Slipway's actions and reusable workflows, keyed by repository-relative path. */
export interface Catalog {
  /** `actions/<name>` (and `.` for the root action) → spec; a known folder without action.yml maps to undefined. */
  actions: Map<string, ActionSpec | undefined>;
  /** `.github/workflows/<file>` → spec. */
  workflows: Map<string, WorkflowSpec>;
}

const LEVELS: readonly Level[] = ['none', 'read', 'write'];

/** Parses a `permissions:` value as written in YAML (already converted to JS). */
export function parsePermissions(value: unknown): Permissions | undefined {
  if (value === 'read-all') return { all: 'read', scopes: {} };
  if (value === 'write-all') return { all: 'write', scopes: {} };
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const scopes: Record<string, Level> = {};
  for (const [scope, level] of Object.entries(value as Record<string, unknown>)) {
    if (typeof level === 'string' && (LEVELS as readonly string[]).includes(level))
      scopes[scope] = level as Level;
  }
  return { all: 'none', scopes };
}

/** The level a permissions value grants for one scope. */
export function levelOf(perms: Permissions, scope: string): Level {
  return perms.scopes[scope] ?? perms.all;
}

/** True when `granted` is at least `needed`. */
export function covers(granted: Level, needed: Level): boolean {
  return LEVELS.indexOf(granted) >= LEVELS.indexOf(needed);
}

function inputsOf(raw: unknown, withType: boolean): Map<string, InputSpec> {
  const out = new Map<string, InputSpec>();
  if (!raw || typeof raw !== 'object') return out;
  for (const [name, def] of Object.entries(raw as Record<string, unknown>)) {
    const d = (def ?? {}) as { required?: unknown; default?: unknown; type?: unknown };
    out.set(name, {
      required: d.required === true,
      hasDefault: d.default !== undefined && d.default !== null,
      ...(withType && typeof d.type === 'string' ? { type: d.type } : {}),
    });
  }
  return out;
}

/** An action spec from the text of an action.yml. */
export function actionSpecFromText(file: string, text: string): ActionSpec {
  let yml: { inputs?: unknown };
  try {
    yml = (parse(text) ?? {}) as { inputs?: unknown };
  } catch {
    return { file, inputs: new Map(), unreadable: true };
  }
  return { file, inputs: inputsOf(yml.inputs, false) };
}

/** A workflow spec from the text of a workflow file. */
export function workflowSpecFromText(file: string, text: string): WorkflowSpec {
  const yml = (parse(text) ?? {}) as { on?: unknown; permissions?: unknown; jobs?: unknown };
  const on = yml.on;
  let call: unknown;
  let callable = false;
  if (on === 'workflow_call') callable = true;
  else if (Array.isArray(on)) callable = on.includes('workflow_call');
  else if (on && typeof on === 'object' && 'workflow_call' in on) {
    callable = true;
    call = (on as Record<string, unknown>).workflow_call;
  }
  const c = (call ?? {}) as { inputs?: unknown; secrets?: unknown };
  const secrets = new Map<string, { required: boolean }>();
  if (c.secrets && typeof c.secrets === 'object') {
    for (const [name, def] of Object.entries(c.secrets as Record<string, unknown>)) {
      secrets.set(name, { required: (def as { required?: unknown } | null)?.required === true });
    }
  }
  const workflowPerms = parsePermissions(yml.permissions);
  const jobPermissions = new Map<string, Permissions | undefined>();
  if (yml.jobs && typeof yml.jobs === 'object') {
    for (const [id, job] of Object.entries(yml.jobs as Record<string, unknown>)) {
      const own = parsePermissions((job as { permissions?: unknown } | null)?.permissions);
      jobPermissions.set(id, own ?? workflowPerms);
    }
  }
  return { file, callable, inputs: inputsOf(c.inputs, true), secrets, jobPermissions };
}

/** Reads every action.yml (actions/<name>/, the root one) and every workflow of a repository. */
export function loadCatalog(root: string): Catalog {
  const actions = new Map<string, ActionSpec | undefined>();
  const actionsDir = join(root, 'actions');
  if (existsSync(actionsDir)) {
    for (const d of readdirSync(actionsDir, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const file = join(actionsDir, d.name, 'action.yml');
      const rel = `actions/${d.name}`;
      actions.set(
        rel,
        existsSync(file) ? actionSpecFromText(`${rel}/action.yml`, readFileSync(file, 'utf8')) : undefined,
      );
    }
  }
  if (existsSync(join(root, 'action.yml'))) {
    actions.set('.', actionSpecFromText('action.yml', readFileSync(join(root, 'action.yml'), 'utf8')));
  }
  const workflows = new Map<string, WorkflowSpec>();
  const wfDir = join(root, '.github', 'workflows');
  if (existsSync(wfDir)) {
    for (const f of readdirSync(wfDir)) {
      if (!/\.ya?ml$/.test(f)) continue;
      const rel = `.github/workflows/${f}`;
      try {
        workflows.set(rel, workflowSpecFromText(rel, readFileSync(join(wfDir, f), 'utf8')));
      } catch {
        // A workflow that does not parse is reported by the YAML rule when it is linted itself.
      }
    }
  }
  return { actions, workflows };
}

/** Reads one local action folder of the repository that is not under actions/ (test fixtures …). */
export function loadLocalAction(root: string, dir: string): ActionSpec | undefined {
  for (const name of ['action.yml', 'action.yaml']) {
    const file = join(root, dir, name);
    if (existsSync(file)) return actionSpecFromText(`${dir}/${name}`, readFileSync(file, 'utf8'));
  }
  return undefined;
}
