/**
 * Slipway's own workflow rules, on top of actionlint and the official parser:
 * - pin: every third-party `uses:` is pinned by a full commit SHA with a `# vX.Y.Z` comment
 *   (docker:// images by digest); this repository's own actions and workflows are exempt;
 * - run-expression: no `${{ }}` of untrusted or secret data inside `run:` (or github-script's
 *   `script:`): github.event.*, github.head_ref, inputs.*, step and job outputs, secrets, github.token
 *   — pass them through `env:` so the shell never parses them;
 * - permissions: an explicit `permissions:` on every workflow and every job, never write-all;
 * - id-token: `id-token: write` only on jobs that use OIDC, never for a whole workflow;
 * - slipway-inputs: the inputs given to Slipway actions exist in their action.yml and the required
 *   ones are given;
 * - reusable-call: calls of Slipway's reusable workflows pass declared inputs and secrets only
 *   (explicitly: no `secrets: inherit`), give the required ones, and grant the permissions the
 *   called jobs request (GitHub refuses to start the run otherwise).
 */
import {
  covers,
  levelOf,
  parsePermissions,
  type ActionSpec,
  type Catalog,
  type Permissions,
  type WorkflowSpec,
} from './workflow-catalog.ts';
import {
  child,
  entries,
  findingAt,
  findingAtOffset,
  hasKey,
  isMap,
  items,
  keyNode,
  scalarText,
  trailingComment,
  type Finding,
  type Node,
  type ParsedYaml,
} from './workflow-yaml.ts';

/** What kind of YAML a source holds. */
export type SourceKind = 'workflow' | 'action' | 'fragment';

/** What the rules need to know besides the YAML itself. */
export interface RuleContext {
  catalog: Catalog;
  /**
   * True for files of this repository, where `./` is Slipway itself; false for documentation
   * examples, which are written for callers' repositories (only `./.slipway/…` is Slipway there).
   */
  localIsSlipway: boolean;
  /** Reads a local action of this repository outside actions/ (e.g. a test fixture). */
  localAction?: (dir: string) => ActionSpec | undefined;
}

/** The repository whose actions and workflows are exempt from SHA pinning. */
export const SLIPWAY_REPOSITORY = 'slipway/slipway';

/** Where a `uses:` points. */
export type UsesTarget =
  | { kind: 'docker'; image: string }
  | { kind: 'local'; path: string }
  | { kind: 'self'; path: string }
  | { kind: 'slipway'; path: string; ref: string }
  | { kind: 'remote'; repo: string; path: string; ref: string }
  | { kind: 'unpinned'; repo: string };

/** Classifies a `uses:` value. Paths come back without `./` and without a trailing slash. */
export function classifyUses(uses: string): UsesTarget {
  const value = uses.trim();
  if (value.startsWith('docker://')) return { kind: 'docker', image: value.slice('docker://'.length) };
  if (value === '.' || value.startsWith('./')) return { kind: 'local', path: normalisePath(value) };
  if (value.startsWith('$/')) return { kind: 'self', path: normalisePath(value.slice(2)) };
  const at = value.lastIndexOf('@');
  if (at < 0) return { kind: 'unpinned', repo: value };
  const [owner = '', name = '', ...rest] = value.slice(0, at).split('/');
  const repo = `${owner}/${name}`;
  const path = rest.join('/');
  const ref = value.slice(at + 1);
  if (repo.toLowerCase() === SLIPWAY_REPOSITORY) return { kind: 'slipway', path, ref };
  return { kind: 'remote', repo, path, ref };
}

function normalisePath(p: string): string {
  return p
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');
}

const SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Actions that fetch a GitHub OIDC token (and so need `id-token: write`). */
const OIDC_ACTIONS = [
  'aws-actions/configure-aws-credentials',
  'google-github-actions/auth',
  'azure/login',
  'actions/attest',
  'actions/attest-build-provenance',
  'actions/attest-sbom',
  'pypa/gh-action-pypi-publish',
  'hashicorp/vault-action',
  'sigstore/gh-action-sigstore-python',
  'sigstore/cosign-installer',
  'octo-sts/action',
];

/** Expressions that must not be expanded inside a shell script. */
const FORBIDDEN_IN_RUN: { pattern: RegExp; what: string }[] = [
  { pattern: /\bgithub\s*\.\s*event\b/, what: 'github.event.*' },
  { pattern: /\bgithub\s*\.\s*head_ref\b/, what: 'github.head_ref' },
  { pattern: /\bgithub\s*\.\s*token\b/, what: 'github.token' },
  { pattern: /(?<![\w.-])inputs\b/, what: 'inputs.*' },
  { pattern: /(?<![\w.-])steps\s*(?:\.|\[)[\s\S]*\boutputs\b/, what: 'step outputs' },
  { pattern: /(?<![\w.-])needs\s*(?:\.|\[)[\s\S]*\boutputs\b/, what: 'job outputs (needs.*.outputs)' },
  { pattern: /(?<![\w.-])secrets\b/, what: 'secrets' },
];

/** Runs every Slipway rule that applies to a kind of source. */
export function checkSlipwayRules(parsed: ParsedYaml, kind: SourceKind, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  walkUsesAndRuns(parsed.root, (node) => {
    const usesNode = child(node, 'uses');
    const uses = scalarText(usesNode);
    if (uses !== undefined) {
      const target = classifyUses(uses);
      findings.push(...checkPin(parsed, usesNode, target));
      if (isWorkflowCall(target)) findings.push(...checkReusableCall(parsed, node, target, ctx));
      else findings.push(...checkSlipwayInputs(parsed, node, target, ctx));
      if (target.kind === 'remote' && target.repo.toLowerCase() === 'actions/github-script') {
        findings.push(...checkExpressions(parsed, child(child(node, 'with'), 'script'), 'script'));
      }
    }
    findings.push(...checkExpressions(parsed, child(node, 'run'), 'run'));
  });
  if (kind === 'workflow') {
    findings.push(...checkPermissions(parsed));
    findings.push(...checkIdToken(parsed, ctx));
  }
  return findings;
}

/** Calls `visit` for every mapping that has a `uses` or a `run` key (steps and calling jobs). */
function walkUsesAndRuns(node: Node | null | undefined, visit: (map: Node) => void): void {
  if (isMap(node)) {
    if (hasKey(node, 'uses') || hasKey(node, 'run')) visit(node);
    for (const [key, value] of entries(node)) {
      // `with:` and `env:` values are data, never steps; skipping them also keeps a github-script
      // `script:` from being read twice.
      if (key === 'with' || key === 'env') continue;
      walkUsesAndRuns(value, visit);
    }
  } else {
    for (const item of items(node)) walkUsesAndRuns(item, visit);
  }
}

function isWorkflowCall(target: UsesTarget): boolean {
  const path = 'path' in target ? target.path : '';
  return /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

// ---------------------------------------------------------------------------------------- pin

function checkPin(parsed: ParsedYaml, usesNode: Node | undefined, target: UsesTarget): Finding[] {
  switch (target.kind) {
    case 'local':
    case 'self':
    case 'slipway':
      return [];
    case 'docker':
      return DIGEST.test(target.image)
        ? []
        : [
            findingAt(
              parsed,
              usesNode,
              'pin',
              `docker://${target.image} is not pinned by digest (…@sha256:<64 hex>)`,
            ),
          ];
    case 'unpinned':
      return [
        findingAt(
          parsed,
          usesNode,
          'pin',
          `${target.repo} has no ref: pin it as ${target.repo}@<40-hex commit SHA> # vX.Y.Z`,
        ),
      ];
    case 'remote': {
      const name = [target.repo, target.path].filter(Boolean).join('/');
      if (!SHA.test(target.ref)) {
        return [
          findingAt(
            parsed,
            usesNode,
            'pin',
            `${name}@${target.ref} is not pinned by a full commit SHA: use ${name}@<40-hex SHA> # vX.Y.Z (tags move)`,
          ),
        ];
      }
      const comment = trailingComment(usesNode);
      if (!comment || !VERSION_COMMENT.test(comment)) {
        return [
          findingAt(
            parsed,
            usesNode,
            'pin',
            `${name}@${target.ref.slice(0, 12)}… needs a "# vX.Y.Z" comment naming the release the SHA belongs to` +
              (comment ? ` (found "# ${comment}")` : ''),
          ),
        ];
      }
      return [];
    }
  }
}

// ---------------------------------------------------------------------------- run-expression

function checkExpressions(parsed: ParsedYaml, node: Node | undefined, where: string): Finding[] {
  if (!node?.range || scalarText(node) === undefined) return [];
  const findings: Finding[] = [];
  const start = node.range[0];
  const raw = parsed.text.slice(start, node.range[1]);
  for (const m of raw.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    const body = m[1] ?? '';
    for (const { pattern, what } of FORBIDDEN_IN_RUN) {
      if (!pattern.test(body)) continue;
      findings.push(
        findingAtOffset(
          parsed,
          start + (m.index ?? 0),
          'run-expression',
          `\${{${body}}} inside ${where}: ${what} must reach the script through env: (e.g. env: { VALUE: \${{${body}}} } and "$VALUE"), never be pasted into it`,
        ),
      );
      break;
    }
  }
  return findings;
}

// ------------------------------------------------------------------------------- permissions

function jobsOf(parsed: ParsedYaml): [string, Node | undefined, Node][] {
  return entries(child(parsed.root, 'jobs'));
}

function permissionsOf(node: Node | undefined): Permissions | undefined {
  return node ? parsePermissions((node as { toJSON(): unknown }).toJSON()) : undefined;
}

function checkPermissions(parsed: ParsedYaml): Finding[] {
  const findings: Finding[] = [];
  const root = parsed.root;
  if (!hasKey(root, 'permissions')) {
    findings.push(
      findingAt(
        parsed,
        keyNode(root, 'jobs') ?? root,
        'permissions',
        'the workflow has no top-level permissions: set `permissions: {}` (or the least it needs) so no job gets the default token scopes',
      ),
    );
  } else if (scalarText(child(root, 'permissions')) === 'write-all') {
    findings.push(
      findingAt(
        parsed,
        child(root, 'permissions'),
        'permissions',
        'permissions: write-all grants every scope; list the scopes the jobs need',
      ),
    );
  }
  for (const [id, job, key] of jobsOf(parsed)) {
    if (!hasKey(job, 'permissions')) {
      findings.push(
        findingAt(
          parsed,
          key,
          'permissions',
          `job ${id} has no permissions: list the scopes it needs (or {} for none)`,
        ),
      );
    } else if (scalarText(child(job, 'permissions')) === 'write-all') {
      findings.push(
        findingAt(
          parsed,
          child(job, 'permissions'),
          'permissions',
          `job ${id}: permissions: write-all grants every scope; list the scopes it needs`,
        ),
      );
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------- id-token

function grantsIdToken(perms: Permissions | undefined): boolean {
  return perms !== undefined && levelOf(perms, 'id-token') === 'write';
}

function jobUsesOidc(job: Node | undefined, ctx: RuleContext): boolean {
  const uses = scalarText(child(job, 'uses'));
  if (uses !== undefined) {
    const callee = resolveWorkflow(classifyUses(uses), ctx);
    // A workflow we cannot read may well need the token: only our own are judged.
    if (!callee) return true;
    return [...callee.jobPermissions.values()].some(grantsIdToken);
  }
  return items(child(job, 'steps')).some((step) => {
    const stepUses = scalarText(child(step, 'uses'));
    if (stepUses !== undefined) {
      const target = classifyUses(stepUses);
      if (target.kind === 'remote') {
        const name = [target.repo, target.path].filter(Boolean).join('/').toLowerCase();
        if (name === 'aws-actions/configure-aws-credentials')
          return hasKey(child(step, 'with'), 'role-to-assume');
        if (OIDC_ACTIONS.some((a) => name === a || name.startsWith(`${a}/`))) return true;
      }
    }
    return /ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(scalarText(child(step, 'run')) ?? '');
  });
}

function checkIdToken(parsed: ParsedYaml, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const workflowPerms = child(parsed.root, 'permissions');
  if (grantsIdToken(permissionsOf(workflowPerms))) {
    findings.push(
      findingAt(
        parsed,
        workflowPerms,
        'id-token',
        'id-token: write is granted to the whole workflow: grant it only on the jobs that use OIDC',
      ),
    );
  }
  for (const [id, job] of jobsOf(parsed)) {
    const perms = child(job, 'permissions');
    if (grantsIdToken(permissionsOf(perms)) && !jobUsesOidc(job, ctx)) {
      findings.push(
        findingAt(
          parsed,
          perms,
          'id-token',
          `job ${id} grants id-token: write but uses no OIDC (no role-to-assume, no OIDC action, no called workflow that needs it): remove it`,
        ),
      );
    }
  }
  return findings;
}

// --------------------------------------------------------------------------- slipway-inputs

type ResolvedAction = { label: string; spec: ActionSpec | undefined; known: boolean };

/** The Slipway (or local) action a step target refers to, when the linter can read it. */
export function resolveAction(target: UsesTarget, ctx: RuleContext): ResolvedAction | undefined {
  let path: string;
  if (target.kind === 'slipway') path = target.path;
  else if (target.kind === 'local') {
    if (target.path === '.slipway' || target.path.startsWith('.slipway/'))
      path = target.path.replace(/^\.slipway\/?/, '');
    else if (ctx.localIsSlipway) path = target.path;
    else return undefined;
  } else return undefined;
  const key = path === '' ? '.' : path;
  const label = key === '.' ? `${SLIPWAY_REPOSITORY} (root action)` : key;
  if (ctx.catalog.actions.has(key)) return { label, spec: ctx.catalog.actions.get(key), known: true };
  if (/^actions\/[^/]+$/.test(key) || key === '.') return { label, spec: undefined, known: false };
  const local = ctx.localAction?.(key);
  return local ? { label, spec: local, known: true } : undefined;
}

function checkSlipwayInputs(parsed: ParsedYaml, step: Node, target: UsesTarget, ctx: RuleContext): Finding[] {
  const resolved = resolveAction(target, ctx);
  if (!resolved) return [];
  const usesNode = child(step, 'uses');
  if (!resolved.spec) {
    return [
      findingAt(
        parsed,
        usesNode,
        'slipway-inputs',
        resolved.known
          ? `${resolved.label} has no action.yml`
          : `${resolved.label} is not a Slipway action (no such folder with an action.yml)`,
      ),
    ];
  }
  if (resolved.spec.unreadable) return [];
  const findings: Finding[] = [];
  const withNode = child(step, 'with');
  const given = new Set<string>();
  for (const [name, , key] of entries(withNode)) {
    given.add(name);
    if (!resolved.spec.inputs.has(name)) {
      findings.push(
        findingAt(
          parsed,
          key,
          'slipway-inputs',
          `${resolved.label} has no input "${name}" (inputs: ${[...resolved.spec.inputs.keys()].join(', ') || 'none'})`,
        ),
      );
    }
  }
  for (const [name, input] of resolved.spec.inputs) {
    if (input.required && !input.hasDefault && !given.has(name)) {
      findings.push(
        findingAt(parsed, usesNode, 'slipway-inputs', `${resolved.label} needs its required input "${name}"`),
      );
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------- reusable-call

/** The Slipway reusable workflow a job-level `uses:` refers to, when it is one. */
export function resolveWorkflow(target: UsesTarget, ctx: RuleContext): WorkflowSpec | undefined {
  if (
    target.kind === 'slipway' ||
    (target.kind === 'local' && ctx.localIsSlipway) ||
    target.kind === 'self'
  ) {
    return ctx.catalog.workflows.get(target.path);
  }
  return undefined;
}

function isOurWorkflowRef(target: UsesTarget, ctx: RuleContext): boolean {
  return (
    target.kind === 'slipway' || ((target.kind === 'local' || target.kind === 'self') && ctx.localIsSlipway)
  );
}

function checkReusableCall(parsed: ParsedYaml, job: Node, target: UsesTarget, ctx: RuleContext): Finding[] {
  if (!isOurWorkflowRef(target, ctx)) return [];
  const usesNode = child(job, 'uses');
  const path = 'path' in target ? target.path : '';
  const spec = resolveWorkflow(target, ctx);
  if (!spec)
    return [
      findingAt(parsed, usesNode, 'reusable-call', `${path} is not a workflow of ${SLIPWAY_REPOSITORY}`),
    ];
  if (!spec.callable)
    return [
      findingAt(
        parsed,
        usesNode,
        'reusable-call',
        `${path} has no workflow_call trigger: it cannot be called`,
      ),
    ];
  const findings: Finding[] = [];

  const given = new Set<string>();
  for (const [name, value, key] of entries(child(job, 'with'))) {
    given.add(name);
    const input = spec.inputs.get(name);
    if (!input) {
      findings.push(
        findingAt(
          parsed,
          key,
          'reusable-call',
          `${path} has no input "${name}" (inputs: ${[...spec.inputs.keys()].join(', ') || 'none'})`,
        ),
      );
      continue;
    }
    const literal = scalarText(value);
    if (literal !== undefined && !literal.includes('${{')) {
      const raw = (value as { value?: unknown }).value;
      if (input.type === 'boolean' && typeof raw !== 'boolean') {
        findings.push(
          findingAt(
            parsed,
            value,
            'reusable-call',
            `input "${name}" of ${path} is a boolean: write true or false, not "${literal}"`,
          ),
        );
      } else if (input.type === 'number' && typeof raw !== 'number') {
        findings.push(
          findingAt(
            parsed,
            value,
            'reusable-call',
            `input "${name}" of ${path} is a number, not "${literal}"`,
          ),
        );
      }
    }
  }
  for (const [name, input] of spec.inputs) {
    if (input.required && !input.hasDefault && !given.has(name)) {
      findings.push(
        findingAt(parsed, usesNode, 'reusable-call', `${path} needs its required input "${name}"`),
      );
    }
  }

  const secretsNode = child(job, 'secrets');
  if (scalarText(secretsNode) === 'inherit') {
    findings.push(
      findingAt(
        parsed,
        secretsNode,
        'reusable-call',
        `secrets: inherit hands every secret to ${path}: pass the ones it declares explicitly (${[...spec.secrets.keys()].join(', ') || 'none'})`,
      ),
    );
  } else {
    const passed = new Set<string>();
    for (const [name, , key] of entries(secretsNode)) {
      passed.add(name);
      if (!spec.secrets.has(name)) {
        findings.push(
          findingAt(
            parsed,
            key,
            'reusable-call',
            `${path} declares no secret "${name}" (secrets: ${[...spec.secrets.keys()].join(', ') || 'none'})`,
          ),
        );
      }
    }
    for (const [name, secret] of spec.secrets) {
      if (secret.required && !passed.has(name)) {
        findings.push(
          findingAt(parsed, usesNode, 'reusable-call', `${path} needs its required secret "${name}"`),
        );
      }
    }
  }

  // GitHub refuses to start a run whose called jobs ask for more than the calling job grants.
  const granted =
    permissionsOf(child(job, 'permissions')) ?? permissionsOf(child(parsed.root, 'permissions'));
  if (granted) {
    for (const [calleeJob, needed] of spec.jobPermissions) {
      if (!needed) continue;
      const scopes = new Set([...Object.keys(needed.scopes), ...Object.keys(granted.scopes)]);
      for (const scope of scopes) {
        const need = levelOf(needed, scope);
        const have = levelOf(granted, scope);
        if (!covers(have, need)) {
          findings.push(
            findingAt(
              parsed,
              child(job, 'permissions') ?? usesNode,
              'reusable-call',
              `job ${calleeJob} of ${path} needs ${scope}: ${need} but the calling job grants ${scope}: ${have}`,
            ),
          );
        }
      }
    }
  }
  return findings;
}
