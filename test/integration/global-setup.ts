// Global setup of the integration tests (node --test --test-global-setup): starts the whole test
// bed once per run and publishes its endpoints to every test process in SLIPWAY_TESTBED, which
// `testbed()` and `runActionStep()` from @slipway/testbed read. globalTeardown stops it again.
import { TESTBED_ENV, startTestbed, type Testbed } from '@slipway/testbed';

let bed: Testbed | undefined;

export async function globalSetup(): Promise<void> {
  const started = Date.now();
  bed = await startTestbed();
  process.env[TESTBED_ENV] = JSON.stringify(bed.endpoints);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`test bed: ${bed.components.join(', ')} up in ${seconds} s; logs in ${bed.endpoints.logDir}`);
}

export async function globalTeardown(): Promise<void> {
  await bed?.stop();
  if (bed) console.error(`test bed: stopped; logs kept in ${bed.endpoints.logDir}`);
}
