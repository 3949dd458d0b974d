// `npm run testbed`: starts the whole local test bed, prints its endpoints and the environment
// to reach it, and keeps it up until Ctrl-C (everything is stopped and cleaned up then).
import { ALL_COMPONENTS, TESTBED_ENV, awsEnv, startTestbed, type ComponentName } from '@slipway/testbed';

const requested = process.argv.slice(2) as ComponentName[];
const unknown = requested.filter((c) => !ALL_COMPONENTS.includes(c));
if (unknown.length) {
  console.error(`unknown component(s): ${unknown.join(', ')}; choose from ${ALL_COMPONENTS.join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const bed = await startTestbed(requested.length ? { components: requested } : {});
const e = bed.endpoints;
const shell = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

console.log(`Test bed up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`logs       ${e.logDir}`);
console.log(`state      ${bed.stateDir}   (sockets, dockerd and registry storage; removed on stop)\n`);
if (e.moto.url) console.log(`moto       ${e.moto.url}   (testing/testing, us-east-1)`);
if (e.registry.url)
  console.log(`registry   ${e.registry.url}   (user AWS, password = moto's ECR token password)`);
if (e.dockerd.host) console.log(`dockerd    ${e.dockerd.host}`);
if (e.slack.url)
  console.log(
    `slack      ${e.slack.url}api/   webhooks ${e.slack.url}services/T…/B…/…   control ${e.slack.url}_control/`,
  );
if (e.cache.url) console.log(`cache      ${e.cache.url}   control ${e.cache.url}_control/entries`);
if (e.git.url) console.log(`git        ${e.git.url}<owner>/<name>.git   repositories in ${e.git.root}`);
if (e.github.url)
  console.log(`github     ${e.github.url}   (GITHUB_API_URL)   control ${e.github.url}_control/pulls`);

const exports: Record<string, string> = { [TESTBED_ENV]: JSON.stringify(e) };
if (e.moto.url) Object.assign(exports, awsEnv(e.moto));
if (e.dockerd.host) exports.DOCKER_HOST = e.dockerd.host;
if (e.cache.url) {
  Object.assign(exports, {
    ACTIONS_CACHE_URL: e.cache.url,
    ACTIONS_RESULTS_URL: e.cache.url,
    ACTIONS_RUNTIME_TOKEN: 'slipway-test-runtime-token',
  });
}
console.log('\n# paste into another shell:');
for (const [k, v] of Object.entries(exports)) console.log(`export ${k}=${shell(v)}`);
if (e.registry.url) {
  console.log(
    `printf %s ${shell(e.registry.password)} | docker login ${e.registry.host} -u AWS --password-stdin`,
  );
}
console.log('\nPress Ctrl-C to stop.');

// startTestbed installed SIGINT/SIGTERM handlers that stop everything and exit; just stay alive.
setInterval(() => undefined, 1 << 30);
