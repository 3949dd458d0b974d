// render-manifest: Jinja templates rendered into validated Kubernetes manifests, published to S3 as one immutable release.
import { defineAction } from '@slipway/action-kit';
import { readInputs } from './inputs.ts';
import { renderManifest } from './render-manifest.ts';

export default defineAction('render-manifest', { readInputs, run: renderManifest });
