import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actionSpecFromText,
  workflowSpecFromText,
  type Catalog,
} from '../../../scripts/lib/workflow-catalog.ts';
import { checkSlipwayRules, classifyUses, type SourceKind } from '../../../scripts/lib/workflow-rules.ts';
import { parseYaml, type Finding, type RuleId } from '../../../scripts/lib/workflow-yaml.ts';

/** The value, asserted present (keeps the non-null assertions out of the tests). */
function must<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}

const CHECKOUT = 'actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2';

// The definitions the calls below are checked against, written like the real files.
const catalog: Catalog = {
  actions: new Map([
    [
      'actions/ecr-push',
      actionSpecFromText(
        'actions/ecr-push/action.yml',
        `name: ecr-push
description: Push.
inputs:
  repository:
    description: Repository.
    required: true
  source:
    description: Source.
    required: true
  region:
    description: Region; required but defaulted, so callers may leave it out.
    required: true
    default: us-east-1
  tags:
    description: Tags.
runs:
  using: node24
  main: ../../dist/ecr-push/index.js
`,
      ),
    ],
    ['actions/not-written-yet', undefined],
  ]),
  workflows: new Map([
    [
      '.github/workflows/build.yml',
      workflowSpecFromText(
        '.github/workflows/build.yml',
        `on:
  workflow_call:
    inputs:
      repository:
        type: string
        required: true
      push:
        type: boolean
        default: true
      timeout:
        type: number
        default: 10
    secrets:
      token:
        required: true
      extra:
        required: false
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - run: echo build
`,
      ),
    ],
    [
      '.github/workflows/tests.yml',
      workflowSpecFromText(
        '.github/workflows/tests.yml',
        `on: workflow_call
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: echo test
`,
      ),
    ],
    ['.github/workflows/ci.yml', workflowSpecFromText('.github/workflows/ci.yml', 'on: push\njobs: {}\n')],
  ]),
};

function lint(yaml: string, kind: SourceKind = 'workflow', localIsSlipway = true): Finding[] {
  const { parsed, findings } = parseYaml({ file: 'sample.yml', text: yaml, lineOffset: 0 });
  assert.deepEqual(findings, [], 'the sample must be valid YAML');
  assert.ok(parsed);
  return checkSlipwayRules(parsed, kind, { catalog, localIsSlipway });
}

function only(findings: Finding[], rule: RuleId): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

/** A complete, correct workflow around the given job body (indented for `jobs.job`). */
function workflow(jobBody: string, top = 'permissions: {}\n'): string {
  return `on: push\n${top}jobs:\n  job:\n${jobBody}`;
}

const steps = (...lines: string[]) =>
  `    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n${lines.join('\n')}\n`;

describe('pin rule', () => {
  it('flags a third-party action pinned by tag', () => {
    const f = only(lint(workflow(steps('      - uses: actions/checkout@v6'))), 'pin');
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /actions\/checkout@v6 is not pinned by a full commit SHA/);
    assert.deepEqual([must(f[0]).line, must(f[0]).column], [9, 15]);
  });

  it('flags a SHA pin without a # vX.Y.Z comment, and one whose comment is no version', () => {
    const bare = only(
      lint(workflow(steps('      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd'))),
      'pin',
    );
    assert.equal(bare.length, 1);
    assert.match(must(bare[0]).message, /needs a "# vX.Y.Z" comment/);
    const vague = only(
      lint(workflow(steps('      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6'))),
      'pin',
    );
    assert.equal(vague.length, 1);
    assert.match(must(vague[0]).message, /found "# v6"/);
  });

  it('flags a short SHA, a missing ref and a docker image without digest', () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - uses: actions/checkout@de0fac2 # v6.0.2',
            '      - uses: actions/checkout',
            '      - uses: docker://alpine:3.20',
          ),
        ),
      ),
      'pin',
    );
    assert.deepEqual(
      f.map((x) => x.line),
      [9, 10, 11],
    );
    assert.match(must(f[2]).message, /not pinned by digest/);
  });

  it('accepts a full SHA with a version comment, digests, and Slipway and local references', () => {
    const f = only(
      lint(
        workflow(
          steps(
            `      - uses: ${CHECKOUT}`,
            '      - uses: docker://alpine@sha256:' + 'a'.repeat(64),
            '      - uses: ./actions/ecr-push',
            '        with: { repository: r, source: "oci:x" }',
            '      - uses: slipway/slipway/actions/ecr-push@v1',
            '        with: { repository: r, source: "oci:x" }',
            '      - uses: Slipway/Slipway@v1',
          ),
        ),
      ),
      'pin',
    );
    assert.deepEqual(f, []);
  });

  it('also checks reusable workflows of other repositories', () => {
    const f = only(
      lint(
        'on: push\npermissions: {}\njobs:\n  x:\n    permissions: {}\n    uses: acme/ci/.github/workflows/x.yml@main\n',
      ),
      'pin',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /acme\/ci\/.github\/workflows\/x.yml@main/);
  });
});

describe('run-expression rule', () => {
  const runWith = (expr: string) =>
    lint(workflow(steps('      - run: |', '          echo start', `          echo "${expr}"`)));

  for (const [expr, what] of [
    ['${{ github.event.pull_request.title }}', 'github.event'],
    ['${{ github.head_ref }}', 'github.head_ref'],
    ['${{ inputs.command }}', 'inputs'],
    ["${{ steps.build.outputs['image-ref'] }}", 'step outputs'],
    ['${{ needs.build.outputs.digest }}', 'job outputs'],
    ['${{ secrets.AWS_SECRET_ACCESS_KEY }}', 'secrets'],
    ['${{ github.token }}', 'github.token'],
  ] as const) {
    it(`flags ${expr} inside run: at its line`, () => {
      const f = only(runWith(expr), 'run-expression');
      assert.equal(f.length, 1, JSON.stringify(f));
      assert.equal(must(f[0]).line, 11);
      assert.match(must(f[0]).message, new RegExp(what.replace('.', '\\.')));
      assert.match(must(f[0]).message, /env:/);
    });
  }

  it('accepts values that carry no data from outside and the env: form', () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - env:',
            '          TITLE: ${{ github.event.pull_request.title }}',
            '          IMAGE: ${{ steps.push.outputs.image-ref }}',
            '        run: |',
            '          echo "$TITLE $IMAGE ${{ github.event_name }} ${{ runner.temp }} ${{ matrix.os }}"',
            '          echo "${{ steps.push.conclusion }} ${{ needs.build.result }}"',
          ),
        ),
      ),
      'run-expression',
    );
    assert.deepEqual(f, []);
  });

  it("flags the same expressions in actions/github-script's script", () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - uses: actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd # v8.0.0',
            '        with:',
            '          script: console.log("${{ github.event.issue.title }}")',
          ),
        ),
      ),
      'run-expression',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /inside script:/);
  });

  it('checks the steps of composite actions too', () => {
    const f = only(
      lint(
        'name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo ${{ inputs.name }}\n',
        'action',
      ),
      'run-expression',
    );
    assert.equal(f.length, 1);
    assert.equal(must(f[0]).line, 7);
  });
});

describe('permissions rule', () => {
  it('flags a workflow without top-level permissions and a job without its own', () => {
    const f = only(
      lint('on: push\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n'),
      'permissions',
    );
    assert.equal(f.length, 2);
    assert.match(must(f[0]).message, /no top-level permissions/);
    assert.match(must(f[1]).message, /job job has no permissions/);
  });

  it('flags write-all', () => {
    const f = only(lint(workflow(steps('      - run: echo'), 'permissions: write-all\n')), 'permissions');
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /write-all/);
  });

  it('requires permissions on jobs that call reusable workflows too', () => {
    const f = only(
      lint('on: push\npermissions: {}\njobs:\n  call:\n    uses: ./.github/workflows/tests.yml\n'),
      'permissions',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /job call has no permissions/);
  });

  it('accepts explicit permissions everywhere (including {})', () => {
    assert.deepEqual(only(lint(workflow(steps('      - run: echo'))), 'permissions'), []);
  });
});

describe('id-token rule', () => {
  it('flags id-token: write granted to the whole workflow', () => {
    const f = only(
      lint(workflow(steps('      - run: echo'), 'permissions:\n  id-token: write\n')),
      'id-token',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /whole workflow/);
  });

  it('flags a job that grants id-token: write and uses no OIDC', () => {
    const f = only(
      lint(
        workflow(
          '    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: echo\n',
        ),
      ),
      'id-token',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /job job grants id-token: write but uses no OIDC/);
  });

  it('flags a call of a reusable workflow whose jobs do not need the token', () => {
    const f = only(
      lint(
        'on: push\npermissions: {}\njobs:\n  call:\n    permissions:\n      contents: read\n      id-token: write\n    uses: ./.github/workflows/tests.yml\n',
      ),
      'id-token',
    );
    assert.equal(f.length, 1);
  });

  it('accepts it on a job that assumes a role with OIDC, and on a call of a workflow that needs it', () => {
    const aws = lint(
      workflow(
        '    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n' +
          '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n' +
          '        with:\n          role-to-assume: arn:aws:iam::123456789012:role/x\n          aws-region: eu-west-1\n',
      ),
    );
    assert.deepEqual(only(aws, 'id-token'), []);
    const call = lint(
      'on: push\npermissions: {}\njobs:\n  call:\n    permissions:\n      contents: read\n      id-token: write\n' +
        '    uses: ./.github/workflows/build.yml\n    with:\n      repository: r\n    secrets:\n      token: x\n',
    );
    assert.deepEqual(only(call, 'id-token'), []);
  });

  it('does not count configure-aws-credentials with access keys only as OIDC', () => {
    const f = lint(
      workflow(
        '    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n' +
          '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n' +
          '        with:\n          aws-access-key-id: ${{ secrets.KEY }}\n          aws-region: eu-west-1\n',
      ),
    );
    assert.equal(only(f, 'id-token').length, 1);
  });
});

describe('slipway-inputs rule', () => {
  it('flags an input the action does not declare, at its key, naming the declared ones', () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - uses: ./actions/ecr-push',
            '        with:',
            '          repository: r',
            '          source: oci:x',
            '          tag: v1',
          ),
        ),
      ),
      'slipway-inputs',
    );
    assert.equal(f.length, 1);
    assert.equal(must(f[0]).line, 13);
    assert.match(
      must(f[0]).message,
      /actions\/ecr-push has no input "tag" \(inputs: repository, source, region, tags\)/,
    );
  });

  it('flags a missing required input (but not a required one with a default)', () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - uses: slipway/slipway/actions/ecr-push@v1',
            '        with:',
            '          repository: r',
          ),
        ),
      ),
      'slipway-inputs',
    );
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /needs its required input "source"/);
  });

  it('resolves the .slipway checkout of the reusable workflows and unknown actions', () => {
    const f = only(
      lint(
        workflow(
          steps(
            '      - uses: ./.slipway/actions/ecr-push',
            '        with: { repository: r, source: "oci:x", sauce: y }',
            '      - uses: ./.slipway/actions/not-written-yet',
            '      - uses: slipway/slipway/actions/nope@v1',
          ),
        ),
      ),
      'slipway-inputs',
    );
    assert.deepEqual(
      f.map((x) => x.message),
      [
        'actions/ecr-push has no input "sauce" (inputs: repository, source, region, tags)',
        'actions/not-written-yet has no action.yml',
        'actions/nope is not a Slipway action (no such folder with an action.yml)',
      ],
    );
  });

  it("leaves ./ alone in documentation examples, where it is the caller's repository", () => {
    const f = lint('- uses: ./actions/ecr-push\n  with: { wrong: 1 }\n', 'fragment', false);
    assert.deepEqual(only(f, 'slipway-inputs'), []);
  });

  it('accepts the declared inputs with every required one given', () => {
    const f = lint(
      workflow(
        steps(
          '      - uses: ./actions/ecr-push',
          '        with:',
          '          repository: r',
          '          source: oci:x',
          '          tags: a,b',
        ),
      ),
    );
    assert.deepEqual(only(f, 'slipway-inputs'), []);
  });
});

describe('reusable-call rule', () => {
  const call = (body: string, perms = '    permissions:\n      contents: read\n      id-token: write\n') =>
    lint(
      `on: push\npermissions: {}\njobs:\n  call:\n${perms}    uses: slipway/slipway/.github/workflows/build.yml@v1\n${body}`,
    );

  it('flags undeclared inputs and secrets, and missing required ones', () => {
    const f = only(call('    with:\n      repo: r\n    secrets:\n      tokn: x\n'), 'reusable-call');
    assert.deepEqual(f.map((x) => x.message).sort(), [
      '.github/workflows/build.yml declares no secret "tokn" (secrets: token, extra)',
      '.github/workflows/build.yml has no input "repo" (inputs: repository, push, timeout)',
      '.github/workflows/build.yml needs its required input "repository"',
      '.github/workflows/build.yml needs its required secret "token"',
    ]);
  });

  it('flags secrets: inherit', () => {
    const f = only(call('    with:\n      repository: r\n    secrets: inherit\n'), 'reusable-call');
    assert.equal(f.length, 1);
    assert.match(must(f[0]).message, /secrets: inherit hands every secret.*\(token, extra\)/);
  });

  it('flags literals of the wrong type for boolean and number inputs', () => {
    const f = only(
      call(
        '    with:\n      repository: r\n      push: "yes"\n      timeout: soon\n    secrets:\n      token: x\n',
      ),
      'reusable-call',
    );
    assert.equal(f.length, 2);
    assert.match(must(f[0]).message, /"push" .* is a boolean/);
    assert.match(must(f[1]).message, /"timeout" .* is a number/);
  });

  it('flags a calling job that grants less than the called jobs request', () => {
    const f = only(
      call(
        '    with:\n      repository: r\n    secrets:\n      token: x\n',
        '    permissions:\n      contents: read\n',
      ),
      'reusable-call',
    );
    assert.equal(f.length, 1);
    assert.equal(
      must(f[0]).message,
      'job build of .github/workflows/build.yml needs id-token: write but the calling job grants id-token: none',
    );
  });

  it('flags a workflow that is not callable or does not exist', () => {
    const f = only(
      lint(
        'on: push\npermissions: {}\njobs:\n  a:\n    permissions: {}\n    uses: ./.github/workflows/ci.yml\n' +
          '  b:\n    permissions: {}\n    uses: ./.github/workflows/missing.yml\n',
      ),
      'reusable-call',
    );
    assert.deepEqual(
      f.map((x) => x.message),
      [
        '.github/workflows/ci.yml has no workflow_call trigger: it cannot be called',
        '.github/workflows/missing.yml is not a workflow of slipway/slipway',
      ],
    );
  });

  it('accepts a call that passes declared inputs and secrets with the permissions needed', () => {
    const f = call(
      '    with:\n      repository: ${{ github.event.repository.name }}\n      push: false\n      timeout: 5\n    secrets:\n      token: ${{ secrets.T }}\n',
    );
    assert.deepEqual(f, []);
  });
});

describe('classifyUses', () => {
  it('tells local, self, Slipway, remote and docker references apart', () => {
    assert.deepEqual(classifyUses('./actions/x/'), { kind: 'local', path: 'actions/x' });
    assert.deepEqual(classifyUses('./'), { kind: 'local', path: '' });
    assert.deepEqual(classifyUses('$/actions/x'), { kind: 'self', path: 'actions/x' });
    assert.deepEqual(classifyUses('slipway/slipway/actions/x@v1'), {
      kind: 'slipway',
      path: 'actions/x',
      ref: 'v1',
    });
    assert.deepEqual(classifyUses('a/b/c/d@ref'), { kind: 'remote', repo: 'a/b', path: 'c/d', ref: 'ref' });
    assert.deepEqual(classifyUses('docker://x@sha256:1'), { kind: 'docker', image: 'x@sha256:1' });
  });
});
